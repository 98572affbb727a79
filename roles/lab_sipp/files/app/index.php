<?php
require __DIR__ . '/lib.php';
$user = require_login('Beranda');
page_header('Beranda', $user);
$stats = rows("SELECT
    (SELECT COUNT(*) FROM perkara) AS perkara,
    (SELECT COUNT(*) FROM perkara p WHERE NOT EXISTS (SELECT 1 FROM perkara_putusan x WHERE x.perkara_id = p.perkara_id)) AS berjalan,
    (SELECT COUNT(*) FROM perkara_jadwal_sidang WHERE tanggal_sidang = CURDATE()) AS sidang_hari_ini,
    " . (lab_legacy()
        ? "(SELECT COUNT(*) FROM ci_sessions WHERE timestamp >= UNIX_TIMESTAMP(NOW() - INTERVAL 30 MINUTE)
             AND data LIKE '%userid|%')"
        : "(SELECT COUNT(DISTINCT userid) FROM sys_user_online WHERE last_visit >= NOW() - INTERVAL 30 MINUTE)")
    . " AS online")[0];
?>
<table id="ringkasan">
  <tr><th>Jumlah perkara</th><td><?= h($stats['perkara']) ?></td></tr>
  <tr><th>Perkara belum putus</th><td><?= h($stats['berjalan']) ?></td></tr>
  <tr><th>Sidang hari ini</th><td><?= h($stats['sidang_hari_ini']) ?></td></tr>
  <tr><th>Pengguna online</th><td id="online"><?= h($stats['online']) ?></td></tr>
</table>
<?php
page_footer();
