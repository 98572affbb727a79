<?php
require __DIR__ . '/lib.php';
sipp_session_start();
if (!empty($_SESSION['userid'])) {
    header('Location: index.php');
    exit;
}
$error = '';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $username = trim((string) ($_POST['username'] ?? ''));
    $password = (string) ($_POST['password'] ?? '');
    if (!hash_equals($_SESSION['csrf'] ?? '', (string) ($_POST['csrf'] ?? ''))) {
        $error = 'Sesi formulir kedaluwarsa, silakan ulangi.';
    } elseif ($username === '' || $password === '') {
        $error = 'Username dan password wajib diisi.';
    } else {
        $found = rows('SELECT u.userid, u.username, u.password, u.fullname, u.block, g.name AS grp
                         FROM sys_users u
                         LEFT JOIN sys_user_group ug ON ug.userid = u.userid
                         LEFT JOIN sys_groups g ON g.groupid = ug.groupid
                        WHERE u.username = ? LIMIT 1', [$username]);
        $u = $found[0] ?? null;
        $agent = substr($_SERVER['HTTP_USER_AGENT'] ?? '', 0, 255);
        if ($u && (int) $u['block'] === 0 && password_verify($password, $u['password'])) {
            session_regenerate_id(true);
            $_SESSION['userid'] = (int) $u['userid'];
            $_SESSION['username'] = $u['username'];
            $_SESSION['fullname'] = $u['fullname'];
            $_SESSION['group'] = $u['grp'] ?? '-';
            $_SESSION['login_time'] = rows('SELECT NOW() AS t')[0]['t'];
            if (!lab_legacy()) {
                q('INSERT INTO sys_login_history (userid, username, login_time, ip_address, user_agent, status, keterangan)
                   VALUES (?, ?, ?, ?, ?, ?, ?)',
                  [$u['userid'], $u['username'], $_SESSION['login_time'], client_ip(), $agent, 'success', 'Login berhasil']);
                $_SESSION['history_id'] = db()->insert_id;
            }
            q('UPDATE sys_users SET last_login = ?, last_ip = ?, attemp_count = 0 WHERE userid = ?',
              [$_SESSION['login_time'], client_ip(), $u['userid']]);
            audit($u['username'], 'sys_users', 'LOGIN', 'Login ke SIPP',
                  'User ' . $u['username'] . ' login dari ' . client_ip());
            touch_online('Beranda');
            header('Location: index.php');
            exit;
        }
        $reason = !$u ? 'Username tidak dikenal' : ((int) $u['block'] === 1 ? 'Akun diblokir' : 'Password salah');
        if (lab_legacy()) {
            audit($username, 'sys_users', 'LOGIN GAGAL', 'Login gagal', $reason);
        } else {
            q('INSERT INTO sys_login_history (userid, username, login_time, ip_address, user_agent, status, keterangan)
               VALUES (?, ?, NOW(), ?, ?, ?, ?)',
              [$u ? $u['userid'] : null, $username, client_ip(), $agent, 'failed', $reason]);
        }
        if ($u) {
            q('UPDATE sys_users SET attemp_count = attemp_count + 1 WHERE userid = ?', [$u['userid']]);
        }
        http_response_code(401);
        $error = (int) ($u['block'] ?? 0) === 1 ? 'Akun Anda diblokir, hubungi administrator.'
                                                : 'Username atau password salah.';
    }
}
$_SESSION['csrf'] = bin2hex(random_bytes(16));
page_header('Login');
if ($error) {
    echo '<p class="err" id="error">' . h($error) . '</p>';
}
?>
<form method="post" action="login.php" id="login">
  <input type="hidden" name="csrf" value="<?= h($_SESSION['csrf']) ?>">
  <p><label>Username <input name="username" autocomplete="username" required></label></p>
  <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
  <p><button type="submit">Masuk</button></p>
</form>
<?php
page_footer();
