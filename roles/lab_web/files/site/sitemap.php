<?php
require_once __DIR__ . '/inc/db.php';
header('Content-Type: application/xml; charset=utf-8');
$posts = posts(1000);
$base = base_url();
echo '<?xml version="1.0" encoding="UTF-8"?>' . "\n";
echo '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' . "\n";
$newest = $posts ? date('c', strtotime($posts[0]['published_at'])) : null;
echo "<url><loc>$base/</loc>" . ($newest ? "<lastmod>$newest</lastmod>" : '') . "</url>\n";
echo "<url><loc>$base/profil.html</loc></url>\n";
foreach ($posts as $p) {
    printf("<url><loc>%s/berita/%s</loc><lastmod>%s</lastmod></url>\n", $base, h($p['slug']), date('c', strtotime($p['published_at'])));
}
echo "</urlset>\n";
