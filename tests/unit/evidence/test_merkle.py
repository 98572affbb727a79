"""RFC 6962 / 9162 Merkle hashing and proofs against the published Certificate Transparency
test vectors (the leaves d0..d7, their roots, audit paths and consistency proofs of the CT
reference suites), a real CT log's inclusion proof, and every proof of small trees against a
naive recursive definition."""

from __future__ import annotations

import hashlib

import pytest

from sop_runner.evidence import merkle
from sop_runner.evidence.merkle import ProofError

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) in the tree of the eight leaves above
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (0, 1, []),
]
# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# An inclusion proof taken from a production CT log (leaf 848049 of 3630887 entries).
CT_LEAF_HASH = "7a395c866d5ecdb0cccb623e011dbc392cd348d1d1d72776174e127a24b09c78"
CT_INDEX, CT_SIZE = 848049, 3630887
CT_ROOT = "78316a05c9bcf14a3a4548f5b854a9adfcd46a4c034401b3ce7eb7ac2f1d0ecb"
CT_PATH = [
    "1a208aeebcd1b39fe2de247ee8db9454e1e93a312d206b87f6ca9cc6ec6f1ddd",
    "0a1b78b383f580856f433c01a5741e160d451c185910027f6cc9f828687a40c4",
    "3d1745789bc63f2da15850de1c12a5bf46ed81e1cc90f086148b1662e79aab3d",
    "9095b61e14d8990acf390905621e62b1714fb8e399fbb71de5510e0aef45affe",
    "0a332b91b8fab564e6afd1dd452449e04619b18accc0ff9aa8393cd4928451f2",
    "2336f0181d264aed6d8f3a6507ca14a8d3b3c3a23791ac263e845d208c1ee330",
    "b4ce56e300590500360c146c6452edbede25d4ed83919278749ee5dbe178e048",
    "933f6ddc848ea562e4f9c5cfb5f176941301dad0c6fdb9d1fbbe34fac1be6966",
    "b95a6222958a86f74c030be27c44f57dbe313e5e7c7f4ffb98bcbd3a03bb52f2",
    "daeeb3ce5923defd0faeb8e0c210b753b85b809445d7d3d3cd537a9aabaa9c45",
    "7fadd0a13e9138a2aa6c3fdec4e2275af233b94812784f66bcca9aa8e989f2bc",
    "1864e6ba3e32878610546539734fb5eeae2529991f130c575c73a7e25a2a7c56",
    "12842d1202b1dc6828a17ab253c02e7ce9409b5192430feba44189f39cc02d66",
    "29af64b16fa3053c13d02ac63aa75b23aa468506e44c3a2315edc85d2dc22b11",
    "b527b99934a0bd9edd154e449b0502e2c499bba783f3bc3dfe23364b6b532009",
    "4584db8ae8e351ace08e01f306378a92bfd43611714814f3d834a2842d69faa8",
    "86a9a41573b0d6e4292f01e93243d6cc65b30f06606fc6fa57390e7e90ed580f",
    "a88b98fbe84d4c6aae8db9d1605dfac059d9f03fe0fcb0d5dff1295dacba09e6",
    "06326dc617a6d1f7021dc536026dbfd5fffc6f7c5531d48ef6ccd1ed1569f2a1",
    "f41fe8fdc3a2e4e8345e30216e7ebecffee26ff266eeced208a6c2a3cf08f960",
    "40cf5bde8abb76983f3e98ba97aa36240402975674e120f234b3448911090f8d",
    "b3222dc8658538079883d980d7fdc2bef9285344ea34338968f736b04aeb387a",
]

H = [merkle.leaf_hash(d) for d in LEAVES]


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def _naive_root(lh: list[bytes]) -> bytes:
    """MTH as RFC 6962 §2.1 defines it, recursively."""
    if not lh:
        return hashlib.sha256(b"").digest()
    if len(lh) == 1:
        return lh[0]
    k = 1
    while k * 2 < len(lh):
        k *= 2
    return merkle.node_hash(_naive_root(lh[:k]), _naive_root(lh[k:]))


def test_leaf_and_node_hashing_use_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_ct_vectors(size: int) -> None:
    assert merkle.root_of(H[:size]).hex() == ROOTS[size - 1]


def test_the_compact_range_gives_every_intermediate_root() -> None:
    rng = merkle.CompactRange()
    for size, h in enumerate(H, start=1):
        rng.append(h)
        assert rng.root().hex() == ROOTS[size - 1]
        assert len(rng.hashes) == bin(size).count("1")
    resumed = merkle.CompactRange(5, _range(5).hashes)
    resumed.extend(H[5:])
    assert resumed.root().hex() == ROOTS[7]


def _range(n: int) -> merkle.CompactRange:
    rng = merkle.CompactRange()
    rng.extend(H[:n])
    return rng


def test_a_compact_range_with_the_wrong_number_of_hashes_is_refused() -> None:
    with pytest.raises(ValueError, match="has 2 hashes"):
        merkle.CompactRange(3, [H[0]])


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_and_verify_against_the_ct_vectors(
    index: int, size: int, path: list[str]
) -> None:
    assert _hex(merkle.inclusion_proof(index, H[:size])) == path
    root = bytes.fromhex(ROOTS[size - 1])
    merkle.verify_inclusion(index, size, H[index], [bytes.fromhex(p) for p in path], root)


def test_a_production_ct_log_inclusion_proof_verifies_and_a_flipped_bit_fails() -> None:
    path = [bytes.fromhex(p) for p in CT_PATH]
    leaf, root = bytes.fromhex(CT_LEAF_HASH), bytes.fromhex(CT_ROOT)
    merkle.verify_inclusion(CT_INDEX, CT_SIZE, leaf, path, root)
    bad = bytearray(path[7])
    bad[0] ^= 1
    with pytest.raises(ProofError):
        merkle.verify_inclusion(CT_INDEX, CT_SIZE, leaf, [*path[:7], bytes(bad), *path[8:]], root)
    with pytest.raises(ProofError, match="shorter"):
        merkle.verify_inclusion(CT_INDEX, CT_SIZE, leaf, path[:-1], root)
    with pytest.raises(ProofError, match="outside"):
        merkle.verify_inclusion(CT_SIZE, CT_SIZE, leaf, path, root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_and_verify_against_the_ct_vectors(
    old: int, new: int, proof: list[str]
) -> None:
    assert _hex(merkle.consistency_proof(old, H[:new])) == proof
    merkle.verify_consistency(
        old,
        new,
        bytes.fromhex(ROOTS[old - 1]),
        bytes.fromhex(ROOTS[new - 1]),
        [bytes.fromhex(p) for p in proof],
    )


def test_consistency_verification_rejects_the_ct_suites_bad_cases() -> None:
    old_root, new_root = bytes.fromhex(ROOTS[5]), bytes.fromhex(ROOTS[7])
    proof = [bytes.fromhex(p) for p in CONSISTENCY[2][2]]
    flip = bytes.fromhex(ROOTS[7][:-1] + "9")
    with pytest.raises(ProofError, match="too short"):
        merkle.verify_consistency(6, 8, old_root, new_root, proof[:2])
    with pytest.raises(ProofError, match="new root"):
        merkle.verify_consistency(6, 8, old_root, flip, proof)
    with pytest.raises(ProofError, match="not a prefix"):
        merkle.verify_consistency(6, 8, bytes.fromhex(ROOTS[5][:-1] + "e"), new_root, proof)
    with pytest.raises(ProofError, match="smaller"):
        merkle.verify_consistency(8, 6, new_root, old_root, proof)
    with pytest.raises(ProofError, match="different roots"):
        merkle.verify_consistency(3, 3, old_root, new_root, [])
    with pytest.raises(ProofError, match="empty"):
        merkle.verify_consistency(6, 8, old_root, new_root, [])


@pytest.mark.parametrize("n", range(1, 34))
def test_every_proof_of_small_trees_verifies_and_no_other_leaf_passes(n: int) -> None:
    lh = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    root = merkle.root_of(lh)
    assert root == _naive_root(lh)
    for i in range(n):
        path = merkle.inclusion_proof(i, lh)
        merkle.verify_inclusion(i, n, lh[i], path, root)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(i, n, lh[(i + 1) % n] if n > 1 else b"x" * 32, path, root)
    for m in range(0, n + 1):
        proof = merkle.consistency_proof(m, lh)
        old_root = merkle.root_of(lh[:m])
        merkle.verify_consistency(m, n, old_root, root, proof)
        if 0 < m < n:
            forged = [*lh[: m - 1], merkle.leaf_hash(b"forged")]
            with pytest.raises(ProofError):
                merkle.verify_consistency(m, n, merkle.root_of(forged), root, proof)
