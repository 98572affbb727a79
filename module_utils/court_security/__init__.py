# Parsers and pure functions of the security roles (D.4, D.5, C.4). No I/O beyond what the
# callers pass in, so the unit tests run them on real-format fixtures.
