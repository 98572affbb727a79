<?php
require_once __DIR__ . '/inc/db.php';
header('Content-Type: application/rss+xml; charset=utf-8');
$base = base_url();
echo '<?xml version="1.0" encoding="UTF-8"?>' . "\n";
?>
<rss version="2.0"><channel>
<title><?= h($CONFIG['site_name']) ?></title>
<link><?= h($base) ?>/</link>
<description>Berita dan pengumuman</description>
<?php foreach (posts(20) as $p): ?>
<item><title><?= h($p['title']) ?></title><link><?= h($base) ?>/berita/<?= h($p['slug']) ?></link><guid><?= h($base) ?>/berita/<?= h($p['slug']) ?></guid><pubDate><?= date(DATE_RSS, strtotime($p['published_at'])) ?></pubDate></item>
<?php endforeach; ?>
</channel></rss>
