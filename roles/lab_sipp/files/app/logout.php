<?php
require __DIR__ . '/lib.php';
sipp_session_start();
if (!empty($_SESSION['userid'])) {
    q('DELETE FROM sys_user_online WHERE session_id = ?', [session_id()]);
    if (!empty($_SESSION['history_id'])) {
        q('UPDATE sys_login_history SET logout_time = NOW() WHERE id = ?', [$_SESSION['history_id']]);
    }
    audit($_SESSION['username'], 'sys_users', 'LOGOUT', 'Logout dari SIPP', 'User ' . $_SESSION['username'] . ' logout');
}
$_SESSION = [];
session_destroy();
header('Location: login.php');
