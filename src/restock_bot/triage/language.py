"""Per-language cues: the classes of words that say something is missing, and the classes that say a
post is something else (found it, online, a question, a taste complaint, a hypothetical...).

Written from general knowledge of each language, as rules over classes of words. Patterns run over the
folded text of `text.read_text` (lower-case; Devanagari already romanised, so Hindi and Hinglish share
one set of patterns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import attrgetter

from restock_bot.triage.lexicon import compile_lexicon

NEG_HI = r"(?:nahi+n?|nahee|nai|nhi|nhin|nahin|na+h?i|nai?n)"  # Hinglish/Hindi "not" in its spellings

_ABSENCE = {
    "en": [
        r"\b(?:can'?t|cannot|can not|could ?n'?t|could not|couldnt|didn'?t|did not|unable to|not able to)"
        r" (?:find|get|spot|see|locate|buy|grab)",
        r"\bnot (?:finding|getting|found|seeing)\b",
        r"\bno(?:where| where) to be (?:found|seen)",
        r"\b(?:out of stock|outta stock|out-of-stock|oos|stock ?out|stocked out|sold ?out|sold-out)\b",
        r"\b(?:ran|run|runs|running) out\b",
        r"\bout of (?:it|them|stock)\b",
        r"\bnot (?:in stock|available|avail|there|on the shelf|on shelf|on shelves|kept|stocked)\b",
        r"\b(?:unavailable|n/a|missing|vanished|disappeared|gone|wiped out|cleaned out|all gone)\b",
        r"\b(?:empty|bare|khaali|khali)\b",
        r"\bno (?:stock|supply|packs?|packets?|sign of|trace of)\b",
        r"\bzero (?:stock|packs?|packets?)\b",
        r"\bnone (?:left|there|at all|in stock)\b",
        r"\b(?:none|nothing) left\b",
        r"\bnot a single\b",
        r"\bnone\b",
        r"\b(?:don'?t|doesn'?t|do not|does not|didn'?t|did not|won'?t|isn'?t|aren'?t|wasn'?t|weren'?t|not|no longer"
        r"|never|stopped|stop) (?:have|has|had|keep|keeping|keeps|stock|stocking|stocks|carry|carrying|carries|sell"
        r"|selling|sells|get|getting|coming|come|there|available|in stock|supplying|supply|bringing|kept|stocked)\b",
        r"\b(?:haven'?t|hasn'?t|have not|has not|hadn'?t) (?:had|seen|got|gotten|been|received|stocked)\b",
        r"\b(?:not|isn'?t|aren'?t|wasn'?t|weren'?t|are not|is not|was not|were not) coming\b",
        r"\bthere (?:is|was|were|are)(?: no|n'?t any| not any)\b",
        r"\b(?:discontinued|no more)\b",
        r"\blooked everywhere\b",
        r"\bsearched (?:everywhere|all)",
        r"\bwhere (?:is|are|has|have)\b.{0,40}\bgone\b",
        r"\bagain no\b",
        r"\bstill no\b",
        r"(?:^|[.!,-] ?)not (?:at|in|on)\b",
        r"\bnot (?:at|in) (?:the )?[a-z]",
        r"\b(?:has|have|had|having)(?: had| got)? (?:no|zero|0|nothing)\b",
        r"\b(?:is|are|was|were|s|been|completely|totally|all|clean|fully|sold|ran|run) out of\b",
        r"\b(?:doesnt|dont|didnt|does not|do not|did not|wont|isnt|arent|wasnt) (?:even|really|actually|ever|"
        r"currently|usually) (?:have|has|keep|stock|carry|sell|get)\b",
        r"\b(?:cant|couldnt|cannot|could not) (?:even )?(?:find|get|see|spot)\b",
        r"\bno (?:more |longer )?(?:sign|trace|stock|supply)\b",
        r"\b(?:zero|0) (?:stock|packs?|packets?|pieces?|units?)\b",
        r"\b(?:illa|illai|ledu|leda|ille|nahi re|nathi|nathe)\b",
        r"\b(?:nothing|nada|zilch)\b",
        r"\bgap where\b",
        r"\bhunt\b.{0,30}\b(?:treasure|impossible)\b",
        r"\b(?:not |un)a?v[a-z]{0,3}l[a-z]{0,3}b(?:le|l)\b",  # "not avilable", "unavailble", "not avlbl"
        r"\b(?:has|have|had) neither\b|\bneither\b.{0,40}\bnor\b",
        r"\bno \d+(?:\.\d+)? ?(?:g|gm|gms|ml|kg|l)\b",  # "only the 90g... no 30g ones"
        r"\b(?:[0-9]+(?:st|nd|rd|th)|another|second|third|fourth) (?:day|week|month) (?:without|with no)\b",
        # "A had it, B didn't.": the negation alone closes its clause
        r"\b(?:didn'?t|did not|doesn'?t|does not|don'?t|hasn'?t|haven'?t|wasn'?t|weren'?t)(?= *(?:[.!?;]|$))",
    ],
    # Other Indian languages typed in Latin letters: Tamil, Telugu, Kannada, Malayalam, Marathi, Gujarati, Punjabi
    "in-Latn": [
        r"\b(?:kedaikala|kidaikala|kidaikkala|kedaikkala|kidaikalai|kidaikkalai|kedaikkalai|kidaikkavillai|kaanom"
        r"|kanom|kaanala|kanala)\b",
        r"\b(?:levu|ledhu|raledu|raledhu|raaledu|raaledhu|dorakaledu|dorakaledhu|dorakatledu|dorakatledhu"
        r"|dorkaledu|kanipinchaledu|ayipoyindi|aipoyindi)\b",
        r"\b(?:sigtilla|sigthilla|sigalilla|siglilla|sikkilla|siktilla|sikthilla|khaali aagide|mugididhe|mugidide)\b",
        r"\b(?:kittiyilla|kittunnilla|kittanilla|kittilla|theernnu|theernu|theernnupoyi|theernupoyi)\b",
        r"\b(?:milala|milali|milale|milat) (?:nahi|nahin|nai)\b|\b(?:nahi|nai) (?:milala|milali|milale)\b"
        r"|\bnahi (?:ahe|aahe|ahet)\b|\bkhalas\b"
        r"|\b(?:sampla|sampli|sampale|sampala|sampali|sampun gela|sampun geli|sampun gele)\b|\bnahiye\b",
        r"\b(?:nathi|nathu|nathe) (?:malyu|malto|malti|malya|hatu|hati|hata)\b|\b(?:malyu|malto) (?:nahi|nathi)\b"
        r"|\b(?:khatam|khalas|puru) (?:thai|thay) (?:gayu|gayo|gai|gaya)\b",
        r"\bmukk?(?: (?:gaya|gayi|gaye|gya|gye|gai|chukka|chuki|chuke))\b|\b(?:nahi|nai|ni) (?:milya|mileya|milea|labha"
        r"|labhya|labheya)\b|\blabh(?:da|di) (?:nahi|nai|ni)\b",
        r"\bpua nai\b",
        # Odia: "miluni" (not found), "nahi miluchi", "kichi nahi" (nothing)
        r"\b(?:miluni|milunahi|nahi miluchi|milu nahi|kichi nahi|kichhi nahi)\b",
    ],
    "hi": [
        NEG_HI + r" (?:mil|mila|mili|mile|milta|milti|milte)\b",
        r"\b(?:mil|mila|mili|milta|milti) (?:hi |bhi )?" + NEG_HI + r"\b",
        NEG_HI + r" (?:hai|h|he|hain|tha|thi|the)\b",
        r"\b(?:stock|stok|maal|mal|packet|pack|ek bhi|ek packet) (?:hi |bhi )?" + NEG_HI + r"\b",
        r"\b(?:aa|a) (?:hi|bhi) " + NEG_HI + r"\b",
        r"\b(?:khatam|khatm|khtm|khatma|khatam+)\b",
        r"\b(?:khaali|khali|khaaali)\b",
        r"\b(?:gayab|gaayab|ghayab)\b",
        r"\b(?:aata|aati|aate|aa raha|aa rahi|aa rhe|a raha|a rahi|aaya|aayi|aa rha|aa rhi)(?: hi| bhi)? " + NEG_HI,
        NEG_HI
        + r" (?:aata|aati|aate|aa raha|aa rahi|a raha|aaya|aayi|aa rha|aya|ayi|aye|ata|ati|ate|a rahi|a rahe|rakhte|rakhta|rakhti|rakha|bechte"
        r"|bechta|dikha|dikhta|dikh raha)\b",
        r"\b(?:rakhte|rakhta|rakhti|rakhna|bechna|lana|mangwana) (?:hi )?(?:band|" + NEG_HI + r")",
        r"\bband (?:kar|ho) (?:diya|gaya|gya|di)\b",
        r"\b(?:kahin|kahi|kahan) (?:bhi )?" + NEG_HI,
        r"\b(?:dhoondh|dhund|dhoond|dhundh)\w* (?:liya|li|raha|rahi|ke)",
        r"\bnahi? ?hai\b",
        r"\bnhi h\b",
        NEG_HI + r"(?= *(?:[.!?,|।]|$|[\U0001F300-\U0001FAFF]))",
        NEG_HI + r" (?:dikha|dikhta|dikh|dikhi|dikhe|mila|mile|milega|mil raha|mil rahi|milta)\b",
        r"\b(?:namo ?nishan|naam ?o ?nishan|namonishan)\b",
        r"\bkuch (?:bhi )?" + NEG_HI + r"\b",
        r"\b(?:ek bhi|ek bhee|koi bhi)\b.{0,25}\b" + NEG_HI + r"\b",
        # Bengali / Assamese "there is none" and "didn't get": nei, pelam na, paini; "shesh" is finished
        r"\b(?:nei|naikhe|naikhi|naikhu|nikhe)\b",
        r"\b(?:pelam|pailam|pai|painai|pachchi|pachhi|pacchi) na\b",
        r"\bpaini\b",
        r"\b(?:shesh|sesh) (?:hoye|hoya|hoe|hoi)",
        r"\b(?:shob|sob|sab)\b.{0,25}\b(?:shesh|sesh)\b",
        r"\b(?:as+c?h+e|ase) na\b",
        # Bhojpuri / Maithili: "naa ba", "nahi ba", "naa mila"
        r"\b(?:naa|na|nai|nahi|nahin|nahi+n?) (?:ba|baa|bate|baate|hau|ho)\b",
        r"\bnaa (?:mila|mili|milal|milat|milta|milti|aail|aawat)\b",
    ],
    "ko": [
        r"품절",
        r"매진",
        r"재고\s*(?:가\s*)?(?:없|0|부족|떨어)",
        r"(?<!맛)(?<!재미)(?<!상관)(?<!관계)(?<!필요)없(?!이는|이도|이)",
        r"(?:다|싹|완전)\s*떨어",
        r"떨어졌",
        r"떨어짐",
        r"동났",
        r"동이\s*났",
        r"텅\s*텅",
        r"텅\s*비",
        r"텅\s*빈",
        r"비어\s*있",
        r"비었",
        r"빈\s*(?:매대|진열대|선반|자리)",
        r"안\s*(?:팔|판|파네|들어|들여|갖다|가져|보여|보이|채워)",
        r"못\s*(?:찾|샀|사|구했|구함|봤)",
        r"안\s*들어왔",
        r"안\s*들어온",
        r"구할\s*수\s*(?:가\s*)?없",
        r"자취를\s*감",
        r"씨가\s*말",
        r"전멸",
        r"하나도\s*없",
        r"찾을\s*수\s*(?:가\s*)?없",
        r"취급\s*(?:안|중단|종료)",
        r"입고\s*(?:가\s*)?안",
        r"(?:다|싹|전부|완전)\s*(?:팔렸|팔림|나갔|나감|털렸|쓸어)",
        r"팔렸",
        r"휑",
        r"구경도\s*못",
        r"씨가\s*말랐",
    ],
    "ja": [
        r"売り切れ",
        r"売切れ",
        r"品切れ",
        r"品切",
        r"在庫(?:切れ|なし|無し|ゼロ|が?ない|が?無い)",
        r"欠品",
        r"(?:置いて|売って|入って|並んで|売られて)(?:い)?(?:ない|なかった|なくて|ません|なく)",
        r"(?:見つから|見当たら|手に入ら|買え)(?:ない|なかった|ず|なく)",
        r"見かけ(?:ない|なく|なかった|ません)",
        r"(?:(?<=[がはもの、にも\u30a0-\u30ff\u4e00-\u9fff])|(?<=全然)|(?<=もう)|(?<=だけ)|(?<=から)|(?<=ずっと)|(?<=けど))(?<!こと)"
        r"(?:なかった|無かった|ないじゃん|ない(?!で(?!す)|ように|と思)|無い(?!で(?!す)|ように)|ねえ|ねー)(?!か[?？])",
        r"空っぽ",
        r"からっぽ",
        r"すっからかん",
        r"(?:棚|売り場|コーナー)が?(?:空|から|スカスカ|ガラガラ)",
        r"全滅",
        r"消えた",
        r"入荷(?:しない|しなく|されない|されて(?:い)?ない|なし|未定|待ち|しなくなった)",
        r"取り扱い(?:が)?(?:なく|終了|ない|やめ)",
        r"姿を消",
        r"どこにもない",
        r"切らして",
        r"なくなって(?:た|いた|る)",
        r"見かけて(?:い)?(?:ない|なかった|ません)",
        r"1個も",
        r"一個も",
        r"ひとつも",
        r"置いてなかった",
        r"売り場から消え",
        r"入って(?:こ|来)(?:ない|なかった|なく|ねえ)",
        r"入荷して(?:い)?(?:ない|なかった|ません)",
        r"無くなって(?:た|いた|る)",
        r"(?:置か|扱わ|売ら|入れ)なくなっ",
        r"(?<!電池)切れて(?:る|た|いる|ます)",
        r"(?<=[\u30a0-\u30ff\u4e00-\u9fff])無し(?!で|じゃ|には)",  # not "ティーザ無しでは生きられん"
        r"(?:探した|行った|見た)(?:けど|が|のに)、?\s*(?:ない|なかった|無い|無かった)",
        # Kansai: 売ってへん, 置いてへん(かった), あらへん, 入らへん, 見つからへん, 買えへん
        r"(?<=[てでらえけせれ])へん(?!な(?![いかあ]))",
        r"(?<=[いっ])と(?:ら)?へん",
        # Chugoku / Kyushu: 置いとらん, 売っとらん, 入らんごとなった; the adjective なか (= ない)
        r"(?<=[いっ])とらん",
        # Tohoku / Kanto rough speech: 売ってねえ, 置いてねぇ, 売ってねがった; Kyushu (Kagoshima): 売っちょらん;
        # the short negative of western Japan: 置かん, 売らん
        r"(?<=[てで])(?:ねえ|ねぇ|ねー|ねがった|ねかった|ねぇがった|ねがっ)",
        r"(?<=[っい])ちょらん",
        # 九州: 切れとる (切れている), 入ってこん (入ってこない)
        r"切れ(?:とる|とった|ちょる|ちょった)|入って(?:こ|来)ん(?![とで])",
        r"(?:置か|売ら|入ら|扱わ|見つから)ん(?![とでな])",
        r"(?<=[\u30a0-\u30ff\u4e00-\u9fff])なし(?![でにの])",
        r"(?<=ら)んごと(?:なっ|なる)",
        r"(?:(?<=[がはも、\u30a0-\u30ff\u4e00-\u9fff])|(?<=全然)|(?<=もう)|(?<=ぜんぜん))なか"
        r"(?=ばい|ばってん|よ|ね|げな|と[?？]|やん|[!！。…、〜~\s]|$)",
    ],
}

_KILLERS = {
    # sold out online / in an app / for delivery: not a physical store
    "online": [
        r"\b(?:aip|aep|eap|aipa)\b",
        r"(?<!no )\b(?:delivery|deliver|delivered)\b(?! to (?:our|my|the|this|their) (?:shop|store|dukan))",
        r"\b(?:online|on ?line|app|apps|website|site|cart|checkout|e-?commerce|order"
        r"|ordering|bb ?now|onalain|dilivari|delivari|ordar|youtube|spotify|instagram|insta|google)\b",
        r"\b(?:blinkit|zepto|swiggy|instamart|bigbasket|amazon|flipkart|jiomart|dunzo|zomato|coupang|baemin|kurly"
        r"|rakuten|uber ?eats|myntra|meesho)",
        r"온라인",
        r"앱(?:에서|으로|에|이|\s)",
        r"픽업\s*예약",
        r"예약\s*주문",
        r"쿠팡",
        r"배민",
        r"배달",
        r"컬리",
        r"로켓",
        r"쓱배송",
        r"택배",
        r"11\s*번가",
        r"(?:이마트|홈플러스|롯데)\s*몰|롯데\s*on",
        r"ssg\s*닷컴|쓱\s*닷컴|요기요|지마켓|g\s*마켓|옥션|위메프|티몬|네이버\s*쇼핑|오아시스\s*마켓",
        r"시켰|시킴|시켜서|시키려",
        r"yahoo!?\s*ショッピング|ヤフショ|ロハコ|lohaco|メルカリ|ネットスーパー",
        r"\b(?:yahoo|lohaco|mercari|wolt|qoo10|gmarket|yogiyo|11st)\b",
        r"공식\s*몰",
        r"자사\s*몰",
        r"온라인\s*몰",
        r"스마트\s*스토어",
        r"주문",
        r"ネット",
        r"公式(?:ストア|ショップ|サイト|オンライン)",
        r"通販",
        r"アマゾン",
        r"楽天",
        r"アプリ",
        r"オンライン",
        r"配達",
        r"宅配",
        r"出前",
        r"ウーバー",
    ],
    # the product was found, or is back: a restock already happened
    "resolved": [
        r"\b(?:back in stock|back on (?:the )?shel(?:f|ves)|(?<!get it )(?<!get them )(?<!be )(?<!been )restocked|re-stocked|replenished|finally (?:found|got|back"
        r"|in stock|available|restocked)|is back|are back|it'?s back|they'?re back|came back|now available|available now"
        r"|thanks? (?:for|4) (?:the )?restock\w*|got it restocked|stocked (?:it )?again|back again|back now|now back"
        r"|back on|restocked now)\b",
        r"\b(?:aa gaya|aa gya|aa gayi|aa gyi|wapas aa|waapas aa|phir se (?:aa|mil)|mil gaya|mil gya|mil gayi|mil gyi"
        r"|stock aa gaya|dobara aa)\b",
        r"\b(?:shelf|shelves|rack) (?:is |was |are |were )?(?:full|packed|loaded)\b",
        r"\b(?:remember when|those days are (?:over|gone)|used to be (?:out|empty)|no longer (?:out|empty))\b",
        r"\b(?:bharpur|bharapur|bhar gaya|bhara hua|ab (?:hai|h|mil raha|milta|available))\b",
        r"\bstock (?:full|bharpur|plenty|bhara)\b|\b(?:badhe|sab jagah|everywhere) (?:male|mil|milta|available)\w*",
        r"\brestock (?:kar|ho) (?:diya|gaya|gya|di|dia)\b",
        r"풀렸",
        r"해결",
        r"(?:이었던|였던)\s*거",
        r"\b(?:aaj|aj|ab) (?:aa|a) (?:gaya|gya|gayi|gai)\b",
        r"\b(?:ab|abhi|now|ippo|ippodhu|ivattu|ivaga|ippol|haman|aaje|aaj) (?:sab |all |everything )?"
        r"(?:theek|thik|fine|ok|okay|sorted|normal)\b",
        r"\b(?:no (?:issues?|problems?)(?: at all)?(?: since| now| this (?:week|month))?|been fine(?: since)?|fine since"
        r"|all good now|sorted now|now (?:a )?full(?: shelf| rack)?|full shelf now|(?:now|ab) (?:plenty|loads|lots))\b",
        r"\bbrought (?:out )?(?:a |some |the )?(?:fresh |new )?(?:carton|box|stock|packets?|packs?|crate|case)"
        r"(?: \w+){0,3} from (?:the )?(?:back|godown|store ?room|stock ?room|inside)\b",
        r"\b(?:bantu|bandide|bandhide|vandhuduchu|vanthuduchu|vandhachu|vanthachu|vandhiruchu|vachindi|vachesindi"
        r"|vachhindi|aavi (?:gayu|gayo|gai)|avi (?:gayu|gayo|gai)|eshe geche|ese geche|esheche)\b",
        r"(?:最近|今)は?(?:普通に|よく)?(?:見かけ|並んで|売って|置いて)",
        r"(?:요즘|이제|지금)(?:은|는)?\s*(?:괜찮|잘\s*(?:있|팔|보여)|많이\s*(?:있|보여)|흔하)",
        r"今は(?:普通に)?(?:並んで|売って|置いて|ある)",
        r"이제\s*(?:있|들어|풀|채워)",
        r"(?:품절|없)이던",
        r"\bfull stock\b",
        r"\bstocked up\b",
        r"재입고(?!\s*(?:언제|예정|문의|부탁|요청|좀|해\s*주|되나|될까|되면|안|\?))",  # not "재입고 언제 되나요?"
        r"다시\s*(?:들어|채워|입고|생겼|있)",
        r"채워\s*(?:졌|주셨|놨|넣)",
        r"채워져",
        r"再入荷",
        r"やっと見つけ",
        r"ようやく見つけ",
        r"山積み",
        r"꽉\s*찼",
        r"가득",
        r"잔뜩\s*(?:채워|들어)",
        r"入荷(?:した|して(?:た|いた|ました))",
        r"復活",
        r"(?:また|やっと)(?:売って|買え|並んで|あった)",
        r"補充(?:され|して)",
    ],
    # taste, quality, packaging: a complaint, not a missing product
    "quality": [
        r"\b(?:svad|swad|svaad|pahale jaisa|pehle jaisa|pahle jaisa|taste badal\w*)\b",
        r"\b(?:flat|no fizz|fizz (?:nahi|gone)|gas (?:hi )?(?:nahi|nhi)|expiry|under ?weight)\b",
        r"\b(?:stale|soggy|tasteless|bland|too salty|salty|oily|burnt|rancid|expired|broken|crushed|smell\w*|taste\w*"
        r"|flavou?r (?:is|was) (?:bad|off|weird)|half empty|more air|air ?filled|quality|packaging|less quantity"
        r"|kam quantity|hawa)\b",
        r"\b(?:achha|acha|accha|achchha|achchhaa|achchha|badhiya|badiya) (?:nahi|nahin|nhi|nai)\b",
        r"\b(?:aadha|aadhi|adha|adhi|aadhe) (?:khaali|khali|empty|hawa)\b",
        r"\b(?:bekar|bakwas|bekaar|ganda|gandi|khushboo|khushbu|mehek|mahak)\b",
        r"\b(?:not|no longer|isnt|wasnt) (?:good|nice|tasty|the same|crispy|fresh)\b",
        r"맛없",
        r"눅눅",
        r"너무\s*짜",
        r"맛이\s*(?:이상|별로|없)",
        r"유통기한",
        r"질소",
        r"품질",
        r"냄새",
        r"まずい",
        r"不味",
        r"しけって",
        r"湿気",
        r"味が(?:変|落ち|薄)",
        r"賞味期限",
        r"品質",
        r"量が少な",
    ],
    # negations and hypotheticals: "hope they never run out", "if it sells out"
    "hypothetical": [
        r"\b(?:hope|hoping|pray|praying|if|in case|what if|imagine|never|don'?t let|wish|hopefully|god forbid)\b"
        r"(?:\W+\w+){0,5}?\W+(?:run|runs|running|sell|sells|go|goes|be) (?:out|sold out|out of stock)",
        r"\b(?:never|rarely|hardly ever) (?:out of stock|sold out|runs? out|empty)\b",
        r"\b(?:na|mat) ho(?: jaye| jaaye| jae)?\b",
        r"\bho jaye to\b",
        r"\bkabhi (?:bhi )?(?:khatam|stock out)",
        r"\b(?:khatam|khatm|khali|out|stock out|gayab) (?:ho )?(?:jaye|jaaye|jae|jaega|jayega)\b",
        r"\b(?:would|will|might|could|may) (?:be |get |go )?(?:sold out|out of stock|empty|run out)",
        r"\b(?:never|kabhi nahi|kabhi bhi nahi)\b.{0,30}\b(?:empty|khali|out of stock|sold out|run out|runs out)",
        r"\bkhali haath (?:nahi|nhi|na)\b",
        r"\b(?:agar|agr)\b[^.!?]{0,40}",
        r"\bif\b[^.!?,]{0,40}\b(?:runs? out|sold out|out of stock|gone|empty|finish)",
        r"もし[^。！？]{0,30}",
        r"만약[^.!?]{0,30}",
        r"\b(?:not once|never once|not even once)\b[^.!?]{0,50}",
        r"(?:品切れ|売り切れ|欠品)(?:し)?(?:ないで|ません(?:ように)?|させないで)",
        r"\b(?:bhagwan|bhagavan|bhagvan|god|bhagwaan) (?:kare|kre)\b[^.!?|]{0,50}",
        r"\b(?:kabhi )?(?:khatam|khatm|khali|out|stock out|gayab)(?: \w+)? (?:na|mat) (?:ho|hona|hoye)\b",
        r"\b(?:always|hamesha)\b.{0,20}\b(?:have|has|stock|rakhte|milta)\b",
        r"\b(?:never|no|zero) (?:\w+ ){0,3}(?:stock|supply|availability) (?:problem|issue)s?\b",
        r"\bnever (?:has|had|have|gets?|got)\b.{0,30}\b(?:problem|issue|shortage)s?\b",
        r"(?:売り切れ|売切れ|品切れ|欠品|在庫切れ|なくな)(?:に|と)?(?:なっ|し|さ)?(?:る|た|て(?:る|た))?(?:こと|とか|の)[^。！？!?]{0,8}?"
        r"(?:ない|無い|ありえ|あり得|あらへん|ねえ)",
        r"(?:품절|매진|떨어지|없어지|단종)(?:되|돼)?(?:면|지\s*않|지\s*마|지\s*말|기\s*전에|될까|ㄹ까)",
        r"(?:한\s*번도\s*)?(?:(?:품절|매진|동이?\s*나|떨어)\s*)?(?:본|들은|간|겪은|된|난|진)\s*적(?:이|은)?\s*(?:없|한\s*번도)",
        r"한\s*번도\s*(?:없|못\s*봤)",
        r"(?:없으면|떨어지면)",
        r"(?:売り切れ|品切れ|なくな)(?:たら|ないで|ませんように|ないように|る前に)",
        r"(?:見た|聞いた|行った|切らしてる(?:の)?(?:を)?見た)こと(?:が)?(?:ない|無い)",
        r"(?:切らし|売り切れ)(?:てる|た)(?:の|こと)(?:を)?見たこと",
        r"(?:売り切れる|なくなる)(?:前|かも)",
        # hearsay contradicted: "없다는 분들 많던데 … 항상 있어요"; habits: "main kabhi nahi khareedta", "I never buy"
        r"(?:없|품절)(?:다는|다던|대서|다고\s*하던)\s*(?:분|사람|말|얘기|글|소리)",
        r"\bkabhi (?:bhi )?(?:\w+ )?(?:nahi|nahin|nhi) (?:khareed|kharid|leta|leti|lete|khata|khati|peeta|peeti)\w*",
        r"\b(?:i|we) (?:never|don'?t|do not|no longer) (?:buy|eat|drink|like|purchase)\b",
        r"\b(?:khatam|khatm|khali|khaali|out of stock|stock out|gayab) (?:hi |bhi |to )?"
        + NEG_HI
        + r" (?:hota|hoti|hote|hua|hui|hue|hoga|hogi|hone)\b",
        r"\bbefore (?:it|they|them|the stock|stock|\w+) (?:runs?|sells?|goes|go|gets?) out\b",
        r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|never been) (?:sold out|out of stock)\b",
        r"\bsold out\W+not for long\b",
        r"품절\s*(?:되기\s*)?전에|売り切れ御免|なくなり次第|while (?:stocks|supplies) last",
        r"\b(?:not|never|isn'?t|won'?t|aren'?t) (?:\w+ )?(?:running|run|going to run|gonna run|selling) out\b",
        r"(?:품절|매진|없을|떨어질|동날)\S*\s*(?:리가|리는|일\s*리가)\s*없",
        r"(?:품절|매진)(?:은|이|는)?\s*(?:아니|아냐|아닌)",
        r"(?:품절|매진)(?:된|됐던|났던|난)\s*적(?:이|은)?\s*있",
        r"そんな(?:わけ|訳|はず)(?:が|は)?(?:ない|無い|ねえ|ねー|あらへん)",
        r"(?:売り切れ|品切れ|在庫切れ|在庫なし|ない)[?？!！]?\s*そんな(?:わけ|訳|はず)(?:が|は)?(?:ない|無い|ねえ|ねー|あらへん)",
        r"(?:売り切れ|品切れ|在庫切れ)(?:な|の)?(?:わけ|はず)(?:が|は)?(?:ない|無い)",
        r"(?:売り切れ|品切れ|在庫切れ)(?:じゃ|では)(?:ない|なかった|ありません)(?!か|の[?？])",
    ],
    # a question about price, launch or where to buy (a complaint question still has an absence cue)
    "question": [
        r"\b(?:how much|price|cost|mrp|kitne ka|kitna|kitne|launch\w*|when will|kab (?:aayega|aaega|ayega|milega|launch)"
        r"|where (?:can|do|to) (?:i|we|u|you)? ?(?:buy|get|find)|kahan (?:milega|milta|milegi|se)|available in|come to)\b",
        r"얼마",
        r"어디서\s*(?:팔|사|살)",
        r"출시",
        r"언제\s*나와",
        r"가격",
        r"いくら",
        r"どこで(?:売|買)",
        r"発売",
        r"値段",
        r"価格",
    ],
    # "when will you have it again?" asked of a store: a report when the post names the store
    "asks_restock": [
        r"\b(?:kab (?:aayega|aaega|ayega|aayegi|aaegi|ayegi|aayenge|aaenge|aaoge|laoge|mangaoge|milega)"
        r"|when (?:will|are|r) (?:you|u|they|it|you guys) (?:restock|re-stock|get (?:it|them|more|stock|some)|be back"
        r"|stock(?:ing)? (?:it|them|up)|have (?:it|them|more) (?:again|back))|when is (?:it|the stock) (?:coming )?back)\b",
        r"언제\s*(?:들어|입고|채워|들여)",
        r"いつ(?:入荷|入る|並ぶ|再入荷|置く)",
    ],
    # "same here" replies: a report of its own that borrows the product from the post it answers
    # at home, not at a store: "none left in the house", "ghar me khatam"
    "home": [
        r"\b(?:in the house|at home|in my (?:house|home|kitchen|pantry|fridge|room|hostel)|in the (?:fridge|pantry|kitchen)"
        r"|ghar (?:me|mein|pe|par)|hostel (?:me|mein|room))\b",
        r"(?:집에|냉장고에|찬장에)",
        r"(?:家に|うちに|冷蔵庫に|家の)",
    ],
    # eaten or given up, not missing from a shelf: "sab kha gaya", "ate the last one", "no more X for me"
    "eaten": [
        r"\b(?:kha (?:gaya|gayi|gaye|gya|gye|liya|liye|li|daala|dala|dale)|ate (?:all|them|it|the last|my last)"
        r"|finished (?:the|my) (?:last|stash|packet|pack))\b",
        r"\bno more \w+(?: \w+)? for (?:me|us)\b",
        r"(?:다|혼자)\s*먹어\s*버렸|全部食べ(?:た|ちゃ)",
    ],
    "same": [
        r"\b(?:same|me too|here too|mine too|ditto|same here|same at|same story|same problem|same haal|same scene)\b",
        r"\b(?:yahan|yaha|idhar|hamare|humare|mere|apne) (?:bhi|b)\b",
        r"\b(?:yahi|same|wahi) (?:haal|hal)\b",
        r"\bbhi yahi\b",
        r"여기도",
        r"저도",
        r"나도",
        r"우리\s*동네도",
        r"마찬가지",
        r"똑같",
        r"ここも",
        r"うちも",
        r"こっちも",
        r"同じく",
        r"私も",
        r"僕も",
        r"俺も",
    ],
}


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue found in a post: its class ("absence" or a killer), the words, and where."""

    kind: str
    lang: str
    text: str
    start: int
    end: int


def _compile(patterns: list[str]) -> re.Pattern[str]:
    """One alternation (see `lexicon.compile_lexicon`). `\\b` is Python's word boundary: `text.read_text`
    puts a space between Latin and CJK letters, so "amazonで" still ends the word "amazon"."""
    return compile_lexicon(patterns)


# "can't find my keys": an absence whose object is plainly not a product.
_OTHER_OBJECT_PATTERNS = [
    r"\b(?:cant|cannot|couldnt|could not|didnt|unable to|not able to|trying to|try to|looking for|searching for)"
    r" (?:find |locate |see )?(?:my|our|his|her|their|your|the|a|an)? ?(?:\w+ )?(?:keys?|song|ad|ads|video|"
    r"link|jingle|commercial|poster|billboard|stall|tweet|post|reel|wallet|phone|car|bike|scooter|parking|way|exit|friends?|mom"
    r"|dad|kids?|son|daughter|wife|husband|charger|umbrella|bag|purse|glasses|spot|entrance|lift|toilet|washroom"
    r"|restroom|atm|counter|trolley|cart)\b",
    r"\b(?:meri|mera|mere|apni|apna) (?:chabi|chaabi|chaabhi|phone|gaadi|gadi|bike|purse|wallet|bag|dost|mummy)\b",
    r"\b(?:parking|jagah|seat|trolley|chabi|chaabi|card machine|machine|card|cash|change|chutta|chhutta|upi|paytm"
    r"|network|signal|wifi|ac|fan|bijli|current|staff|bill|receipt) (?:hi |bhi |to )?(?:"
    + NEG_HI
    + r"|illa|ledu|nathi|nei|not working)\b",
    r"\b(?:in my (?:bag|room|car|drawer))\b",
    r"(?:열쇠|키를|지갑|폰을|핸드폰|휴대폰|차를|주차|친구를|엄마를|출구|리모컨|리모콘|안경|우산|위치|어딨는지|어디\s*있는지|길을)",
    r"(?:입구|화장실|계산대|엘리베이터|매장)(?:를|을)?\s*못\s*찾",
    r"(?:鍵|財布|スマホ|携帯|車|駐車場?|友達|出口|傘|箸|スプーン|フォーク|レジ袋|袋|おまけ|景品|クーポン)(?:が|を|は)",
    r"\b(?:koi |no )?(?:tension|problem|chinta|fikar|dikkat|issue|tamasha) (?:nathi|nahi|nahin|nai|illa|ledu|nei)\b",
    r"\b(?:coupon|code|kupan|kod|cashback|offer)\b",
    r"\bno \w+ (?:stall|stand|counter|kiosk|booth|ad|ads|poster|billboard|banner)\b",
    r"\b(?:has|had|have|having) no (?:milk|bread|eggs|change|cash|ice|cups?|bags?|straws?|power|electricity|lights?"
    r"|card machine|parking|staff)\b",
    r"(?:종이컵|빨대|봉투|얼음|거스름돈)(?:이|가)?\s*없",
    r"\b(?:find|locate|spot) (?:the |their |its |a )?(?:\w+ )?(?:shelf|aisle|section|rack|counter|billing|entrance|exit)\b",
]


_LATIN_CHAR = re.compile(r"[a-z]")
_HANGUL_CHAR = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _script(pattern: str) -> str:
    if _HANGUL_CHAR.search(pattern):
        return "hangul"
    return "japanese" if _JAPANESE_CHAR.search(pattern) else "latin"


def _by_script(kind: str, lang: str, patterns: list[str]) -> list[tuple[str, str, str, re.Pattern[str]]]:
    """One compiled alternation per script, so a post only runs the patterns of the scripts it has."""
    groups: dict[str, list[str]] = {}
    for p in patterns:
        groups.setdefault(_script(p), []).append(p)
    return [(kind, lang, script, _compile(ps)) for script, ps in groups.items()]


_PATTERNS = [
    *(entry for lang, ps in _ABSENCE.items() for entry in _by_script("absence", lang, ps)),
    *(entry for kind, ps in _KILLERS.items() for entry in _by_script(kind, "", ps)),
    *_by_script("other_object", "", _OTHER_OBJECT_PATTERNS),
]


def find_cues(folded: str, with_killers: bool = True) -> list[Cue]:
    """Every absence and killer cue in a post's folded text, in order of position. A post that names no
    product can only be a stock-out as a reply, so `with_killers=False` looks for absence cues alone."""
    present = {"latin"} if _LATIN_CHAR.search(folded) else set()
    if _HANGUL_CHAR.search(folded):
        present.add("hangul")
    if _JAPANESE_CHAR.search(folded):
        present.add("japanese")
    cues: list[Cue] = []
    add = cues.append
    for kind, lang, script, pattern in _PATTERNS:
        if script in present and (with_killers or kind == "absence"):
            for m in pattern.finditer(folded):
                add(Cue(kind, lang, m.group(), m.start(), m.end()))
    cues.sort(key=_START)
    return cues


_START = attrgetter("start")


_HINGLISH_WORDS = re.compile(
    r"\b(?:nahi|nahin|nhi|hai|hain|tha|mein|me|ka|ki|ke|ko|se|yaar|bhai|bhaiya|wala|wali|wale|kya|kyun|kal|aaj"
    r"|bhi|mila|milta|khatam|khali|raha|rahi|gaya|gayi|hota|karo|abhi|phir|uncle|aunty)\b"
)


def language_of(folded: str, script: str, platform_lang: str | None) -> str:
    """The post's language for the reasons: ko, ja, hi (Devanagari), hi-Latn (Hinglish) or en."""
    if script == "hangul":
        return "ko"
    if script == "kana":
        return "ja"
    if script == "devanagari":
        return "hi"
    if len(_HINGLISH_WORDS.findall(folded)) >= 2:
        return "hi-Latn"
    return platform_lang if platform_lang in ("en", "ko", "ja", "hi") else "en"
