<?php
require __DIR__ . '/lib.php';
$user = require_login('Daftar Perkara');
$cari = trim((string) ($_GET['cari'] ?? ''));
$hal = max(1, (int) ($_GET['hal'] ?? 1));
$per = 25;
$where = $cari === '' ? '1=1' : '(p.nomor_perkara LIKE ? OR p.pihak1_text LIKE ? OR p.pihak2_text LIKE ?)';
$params = $cari === '' ? [] : array_fill(0, 3, '%' . $cari . '%');
$total = (int) rows("SELECT COUNT(*) AS n FROM perkara p WHERE $where", $params)[0]['n'];
$list = rows("SELECT p.perkara_id, p.nomor_perkara, p.tanggal_pendaftaran, p.jenis_perkara_nama, p.pihak1_text,
                     p.pihak2_text, p.proses_terakhir_text, x.status_putusan_nama, x.tanggal_putusan,
                     (SELECT COUNT(*) FROM perkara_dokumen d WHERE d.perkara_id = p.perkara_id) AS dokumen
                FROM perkara p LEFT JOIN perkara_putusan x ON x.perkara_id = p.perkara_id
               WHERE $where ORDER BY p.tanggal_pendaftaran DESC, p.perkara_id DESC
               LIMIT $per OFFSET " . (($hal - 1) * $per), $params);
page_header('Daftar Perkara', $user);
?>
<form method="get"><input name="cari" value="<?= h($cari) ?>" placeholder="Nomor perkara / pihak"><button>Cari</button></form>
<p><?= $total ?> perkara, halaman <?= $hal ?></p>
<table id="perkara">
<tr><th>Nomor Perkara</th><th>Tanggal Daftar</th><th>Klasifikasi</th><th>Pihak</th><th>Proses Terakhir</th><th>Putusan</th><th>Dokumen</th></tr>
<?php foreach ($list as $p): ?>
<tr><td><?= h($p['nomor_perkara']) ?></td><td><?= h($p['tanggal_pendaftaran']) ?></td><td><?= h($p['jenis_perkara_nama']) ?></td>
<td><?= h($p['pihak1_text']) ?><?= $p['pihak2_text'] ? ' <em>lawan</em> ' . h($p['pihak2_text']) : '' ?></td>
<td><?= h($p['proses_terakhir_text']) ?></td><td><?= h($p['status_putusan_nama'] ?? '') ?> <?= h($p['tanggal_putusan'] ?? '') ?></td>
<td><?= (int) $p['dokumen'] ?></td></tr>
<?php endforeach; ?>
</table>
<p><?php if ($hal > 1): ?><a href="?cari=<?= urlencode($cari) ?>&amp;hal=<?= $hal - 1 ?>">&laquo; Sebelumnya</a><?php endif; ?>
<?php if ($hal * $per < $total): ?> <a href="?cari=<?= urlencode($cari) ?>&amp;hal=<?= $hal + 1 ?>">Berikutnya &raquo;</a><?php endif; ?></p>
<?php
page_footer();
