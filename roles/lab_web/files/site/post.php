<?php
require_once __DIR__ . '/inc/db.php';
$stmt = db()->prepare('SELECT slug, title, body, document, published_at FROM posts WHERE slug = ?');
$stmt->execute([$_GET['slug'] ?? '']);
$post = $stmt->fetch();
if (!$post) {
    http_response_code(404);
    $title = 'Tidak ditemukan';
    require __DIR__ . '/inc/header.php';
    echo "<p>Halaman tidak ditemukan.</p>";
    require __DIR__ . '/inc/footer.php';
    exit;
}
$title = $post['title'];
require __DIR__ . '/inc/header.php';
?>
<article>
<h2><?= h($post['title']) ?></h2>
<p><time datetime="<?= h($post['published_at']) ?>"><?= h($post['published_at']) ?></time></p>
<?= $post['body'] ?>
</article>
<?php require __DIR__ . '/inc/footer.php'; ?>
