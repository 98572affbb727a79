<?php
require __DIR__ . '/lib.php';
sipp_session_start();
if (!empty($_SESSION['userid'])) {
    if (lab_legacy()) {
        q('DELETE FROM ci_sessions WHERE id = ?', [session_id()]);
    } else {
        q('DELETE FROM sys_user_online WHERE session_id = ?', [session_id()]);
    }
    if (!empty($_SESSION['history_id']) && !lab_legacy()) {
        q('UPDATE sys_login_history SET logout_time = NOW() WHERE id = ?', [$_SESSION['history_id']]);
    }
    audit($_SESSION['username'], 'sys_users', 'LOGOUT', 'Logout dari SIPP', 'User ' . $_SESSION['username'] . ' logout');
}
$_SESSION = [];
session_destroy();
header('Location: login.php');
