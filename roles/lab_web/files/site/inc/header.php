<?php global $CONFIG; ?><!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title><?= h($title ?? $CONFIG['site_name']) ?></title>
<link rel="stylesheet" href="/assets/style.css">
<link rel="alternate" type="application/rss+xml" title="Berita" href="/rss.xml">
</head>
<body>
<header><h1><a href="/"><?= h($CONFIG['site_name']) ?></a></h1>
<nav><a href="/">Beranda</a> | <a href="/profil.html">Profil</a> | <a href="/rss.xml">RSS</a></nav></header>
<main>
