<?php
// SIPP stand-in (lab only): shared code. Real SIPP is a CodeIgniter application; this is a
// few plain PHP pages that touch the same tables the same way (sessions, online users,
// login history, audit trail).
define('SIPP_LAB', true);
require __DIR__ . '/application/config/database.php';

mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);

function db(): mysqli {
    static $conn = null;
    global $db;
    if ($conn === null) {
        $c = $db['default'];
        $conn = new mysqli($c['hostname'], $c['username'], $c['password'], $c['database']);
        $conn->set_charset($c['char_set']);
    }
    return $conn;
}

function q(string $sql, array $params = []): mysqli_stmt {
    $stmt = db()->prepare($sql);
    if ($params) {
        $stmt->bind_param(str_repeat('s', count($params)), ...array_map('strval', $params));
    }
    $stmt->execute();
    return $stmt;
}

function rows(string $sql, array $params = []): array {
    return q($sql, $params)->get_result()->fetch_all(MYSQLI_ASSOC);
}

function h(?string $s): string {
    return htmlspecialchars((string) $s, ENT_QUOTES, 'UTF-8');
}

function client_ip(): string {
    return $_SERVER['REMOTE_ADDR'] ?? '0.0.0.0';
}

// The schema variant (lab_sipp_schema_variant): "legacy" has no sys_user_online and no
// sys_login_history, keeps sessions in ci_sessions and names the audit-trail columns differently.
function lab_legacy(): bool {
    global $config;
    return ($config['lab_schema'] ?? 'standard') === 'legacy';
}

function audit(string $username, ?string $table, string $action, string $title, string $desc): void {
    if (lab_legacy()) {
        q('INSERT INTO sys_audittrail (waktu, ip_address, username, aksi, title, keterangan)
           VALUES (NOW(), ?, ?, ?, ?, ?)', [client_ip(), $username, $action, $title, $desc]);
        return;
    }
    q('INSERT INTO sys_audittrail (datetime, ipaddress, username, tablename, action, title, description)
       VALUES (NOW(), ?, ?, ?, ?, ?, ?)', [client_ip(), $username, $table, $action, $title, $desc]);
}

function sipp_session_start(): void {
    session_name('SIPPSESSID');
    session_set_cookie_params(['httponly' => true, 'samesite' => 'Lax', 'path' => '/SIPP/']);
    session_start();
}

// Every page of a logged-in user refreshes its row in sys_user_online (what "online users" reads).
function touch_online(string $page): void {
    if (lab_legacy()) {
        // CodeIgniter's database session driver: one row per session, data in PHP session encoding
        $uid = (string) $_SESSION['userid'];
        q('INSERT INTO ci_sessions (id, ip_address, timestamp, data) VALUES (?, ?, UNIX_TIMESTAMP(), ?)
           ON DUPLICATE KEY UPDATE ip_address = VALUES(ip_address), timestamp = UNIX_TIMESTAMP(), data = VALUES(data)',
          [session_id(), client_ip(), '__ci_last_regenerate|i:' . time() . ';userid|s:' . strlen($uid) . ':"' . $uid . '";']);
        return;
    }
    q('INSERT INTO sys_user_online (session_id, userid, host_address, login_time, user_agent, uri, current_page, last_visit)
       VALUES (?, ?, ?, ?, ?, ?, ?, NOW())
       ON DUPLICATE KEY UPDATE host_address = VALUES(host_address), uri = VALUES(uri),
         current_page = VALUES(current_page), last_visit = NOW()',
      [session_id(), $_SESSION['userid'], client_ip(), $_SESSION['login_time'],
       substr($_SERVER['HTTP_USER_AGENT'] ?? '', 0, 255), substr($_SERVER['REQUEST_URI'] ?? '', 0, 255), $page]);
}

function require_login(string $page): array {
    sipp_session_start();
    if (empty($_SESSION['userid'])) {
        header('Location: login.php');
        exit;
    }
    touch_online($page);
    return $_SESSION;
}

function page_header(string $title, ?array $user = null): void {
    global $config;
    echo '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>' . h($title) . ' - SIPP</title>';
    echo '<style>body{font-family:sans-serif;margin:0}header{background:#14532d;color:#fff;padding:8px 16px}'
       . 'nav a{color:#fff;margin-right:12px}main{padding:16px}table{border-collapse:collapse}'
       . 'td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}.err{color:#b91c1c}</style></head><body>';
    echo '<header><strong>SIPP</strong> &middot; Sistem Informasi Penelusuran Perkara &middot; '
       . h($config['nama_satker']);
    if ($user) {
        echo '<nav><a href="index.php">Beranda</a><a href="perkara.php">Daftar Perkara</a>'
           . '<a href="jadwal_sidang.php">Jadwal Sidang</a><a href="logout.php">Keluar</a> '
           . '<span id="user">' . h($user['fullname']) . ' (' . h($user['group']) . ')</span></nav>';
    }
    echo '</header><main><h1>' . h($title) . '</h1>';
}

function page_footer(): void {
    echo '</main><footer><small>SIPP stand-in (lab)</small></footer></body></html>';
}
