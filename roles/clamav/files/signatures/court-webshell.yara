// Project signatures (D.5): PHP webshells and backdoors as found in court and other .go.id web roots.
// Loaded by ClamAV from its database directory; names show up in scan reports as YARA.<rule>.

rule Court_PHP_Webshell_EvalDecode
{
    meta:
        description = "PHP code that evaluates decoded or request-supplied data (typical one-line backdoor)"
    strings:
        $php = "<?"
        $e1 = /(eval|assert)[ \t]*\([ \t]*(@[ \t]*)?(base64_decode|gzinflate|gzuncompress|str_rot13|hex2bin)[ \t]*\(/ nocase
        $e2 = /(eval|assert)[ \t]*\([ \t]*(@[ \t]*)?\$_(POST|GET|REQUEST|COOKIE|SERVER)/ nocase
        $e3 = /(eval|assert)[ \t]*\([ \t]*stripslashes[ \t]*\([ \t]*\$_(POST|GET|REQUEST)/ nocase
    condition:
        $php and ($e1 or $e2 or $e3)
}

rule Court_PHP_Webshell_CommandExec
{
    meta:
        description = "PHP that runs shell commands taken straight from the request"
    strings:
        $php = "<?"
        $c1 = /(system|shell_exec|passthru|exec|popen|proc_open)[ \t]*\([ \t]*(@[ \t]*)?\$_(POST|GET|REQUEST|COOKIE)/ nocase
        $c2 = /`[ \t]*\$_(POST|GET|REQUEST)\[/
    condition:
        $php and ($c1 or $c2)
}

rule Court_PHP_Webshell_Known
{
    meta:
        description = "Markers of well-known PHP webshell kits (WSO, b374k, FilesMan, Alfa, IndoXploit)"
    strings:
        $php = "<?"
        $k1 = "FilesMan" nocase
        $k2 = "b374k" nocase
        $k3 = "wso_version" nocase
        $k4 = "IndoXploit" nocase
        $k5 = "AlfaTeam" nocase
        $k6 = "Uname:" nocase
        $k7 = "safe_mode" nocase
    condition:
        $php and (($k1 and $k7) or $k2 or $k3 or $k4 or $k5 or ($k1 and $k6))
}
