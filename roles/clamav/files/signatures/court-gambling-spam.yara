// Project signatures (D.5): injected online-gambling spam ("judi online", "slot gacor") in pages and
// templates of .go.id sites. One term alone can be a legitimate court text (a gambling case), so a
// file must carry two distinct spam terms, or one term inside hidden markup.

rule Court_Gambling_Spam_Terms
{
    meta:
        description = "Two or more distinct online-gambling spam phrases in one file"
    strings:
        $t1 = "slot gacor" nocase
        $t2 = "situs slot" nocase
        $t3 = "slot online" nocase
        $t4 = "judi online" nocase
        $t5 = "rtp live" nocase
        $t6 = "maxwin" nocase
        $t7 = "bandar togel" nocase
        $t8 = "togel online" nocase
        $t9 = "scatter hitam" nocase
        $t10 = "link alternatif" nocase
        $t11 = "slot88" nocase
        $t12 = "pragmatic play" nocase
        $t13 = "deposit pulsa" nocase
    condition:
        2 of them
}

rule Court_Gambling_Spam_Hidden
{
    meta:
        description = "A gambling term inside markup hidden from visitors (display:none / off-screen)"
    strings:
        $h1 = /display[ \t]*:[ \t]*none[^<>]{0,200}>[^<]{0,400}(slot|togel|judi|casino|sbobet|gacor)/ nocase
        $h2 = /(left|top)[ \t]*:[ \t]*-[0-9]{3,}px[^<>]{0,200}>[^<]{0,400}(slot|togel|judi|casino|sbobet|gacor)/ nocase
    condition:
        any of them
}
