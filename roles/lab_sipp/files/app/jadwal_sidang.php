<?php
require __DIR__ . '/lib.php';
$user = require_login('Jadwal Sidang');
$tanggal = (string) ($_GET['tanggal'] ?? '');
if (!preg_match('/^\d{4}-\d{2}-\d{2}$/', $tanggal)) {
    $tanggal = date('Y-m-d');
}
$list = rows('SELECT j.tanggal_sidang, j.jam_sidang, j.ruangan, j.agenda, j.ditunda, p.nomor_perkara, h.hakim_nama
                FROM perkara_jadwal_sidang j
                JOIN perkara p ON p.perkara_id = j.perkara_id
                LEFT JOIN perkara_hakim_pn h ON h.perkara_id = j.perkara_id AND h.jabatan_hakim = \'Hakim Ketua\'
               WHERE j.tanggal_sidang BETWEEN ? AND ? + INTERVAL 13 DAY
               ORDER BY j.tanggal_sidang, j.jam_sidang, j.ruangan', [$tanggal, $tanggal]);
page_header('Jadwal Sidang', $user);
?>
<form method="get"><input type="date" name="tanggal" value="<?= h($tanggal) ?>"><button>Tampilkan</button></form>
<p>Jadwal sidang 14 hari mulai <?= h($tanggal) ?>: <?= count($list) ?> sidang</p>
<table id="jadwal">
<tr><th>Tanggal</th><th>Jam</th><th>Ruang</th><th>Nomor Perkara</th><th>Agenda</th><th>Hakim Ketua</th><th>Ditunda</th></tr>
<?php foreach ($list as $j): ?>
<tr><td><?= h($j['tanggal_sidang']) ?></td><td><?= h(substr($j['jam_sidang'], 0, 5)) ?></td><td><?= h($j['ruangan']) ?></td>
<td><?= h($j['nomor_perkara']) ?></td><td><?= h($j['agenda']) ?></td><td><?= h($j['hakim_nama']) ?></td>
<td><?= $j['ditunda'] === 'Y' ? 'Ya' : '' ?></td></tr>
<?php endforeach; ?>
</table>
<?php
page_footer();
