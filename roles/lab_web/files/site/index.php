<?php
require_once __DIR__ . '/inc/db.php';
$title = 'Beranda - ' . $CONFIG['site_name'];
require __DIR__ . '/inc/header.php';
?>
<h2>Berita Terbaru</h2>
<ul class="posts">
<?php foreach (posts(10) as $p): ?>
<li><a href="/berita/<?= h($p['slug']) ?>"><?= h($p['title']) ?></a> <time datetime="<?= h($p['published_at']) ?>"><?= h(substr($p['published_at'], 0, 10)) ?></time></li>
<?php endforeach; ?>
</ul>
<?php require __DIR__ . '/inc/footer.php'; ?>
