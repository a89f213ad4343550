# ruff: noqa: E501  (tables of names in CJK scripts: wide characters count double)
"""Synthetic retailer lists in the stores.csv format of shared/eval/FORMAT.md, for benchmarks.

Realistic in the ways that matter for matching cost: a few hundred cities across India, Korea and Japan
(real centres plus generated towns, lat/lon jittered around them), localities per city whose names
repeat across cities, chains with many branches per city ("DMart Powai", "CU 역삼역점",
"ローソン 上野駅前店") with chain handles and aliases, and a large majority of independents whose names
are composed from common parts ("Shree Ganesh Kirana Store", "행복마트", "やまだ商店") and so repeat
across towns. Addresses carry buildings, streets and landmarks; postcodes and distributors per area.

Streams rows to the output file; deterministic for a given --seed and --count.

    python bench/synth_stores.py --count 100000 --out bench/out/stores-100000.csv --seed 7
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from restock_bot.retailers import REQUIRED_COLUMNS

COLUMNS = REQUIRED_COLUMNS  # stores.csv's header, as the reader expects it

# --------------------------------------------------------------------------------------------------
# Cities: (name, state, lat, lon, weight ~ population in millions, code, romanised name)
# --------------------------------------------------------------------------------------------------
IN_CITIES = [
    ("Mumbai", "Maharashtra", 19.076, 72.8777, 20.0, "MUM"),
    ("Delhi", "Delhi", 28.6139, 77.209, 19.0, "DEL"),
    ("Bengaluru", "Karnataka", 12.9716, 77.5946, 12.0, "BLR"),
    ("Hyderabad", "Telangana", 17.385, 78.4867, 10.0, "HYD"),
    ("Ahmedabad", "Gujarat", 23.0225, 72.5714, 8.0, "AMD"),
    ("Chennai", "Tamil Nadu", 13.0827, 80.2707, 10.0, "CHN"),
    ("Kolkata", "West Bengal", 22.5726, 88.3639, 14.0, "KOL"),
    ("Pune", "Maharashtra", 18.5204, 73.8567, 7.0, "PUN"),
    ("Jaipur", "Rajasthan", 26.9124, 75.7873, 4.0, "JAI"),
    ("Surat", "Gujarat", 21.1702, 72.8311, 6.0, "SUR"),
    ("Lucknow", "Uttar Pradesh", 26.8467, 80.9462, 3.5, "LKO"),
    ("Kanpur", "Uttar Pradesh", 26.4499, 80.3319, 3.0, "KNP"),
    ("Nagpur", "Maharashtra", 21.1458, 79.0882, 2.8, "NAG"),
    ("Indore", "Madhya Pradesh", 22.7196, 75.8577, 2.5, "IDR"),
    ("Thane", "Maharashtra", 19.2183, 72.9781, 2.5, "THN"),
    ("Bhopal", "Madhya Pradesh", 23.2599, 77.4126, 2.2, "BPL"),
    ("Visakhapatnam", "Andhra Pradesh", 17.6868, 83.2185, 2.2, "VSK"),
    ("Patna", "Bihar", 25.5941, 85.1376, 2.3, "PAT"),
    ("Vadodara", "Gujarat", 22.3072, 73.1812, 2.1, "BDQ"),
    ("Ghaziabad", "Uttar Pradesh", 28.6692, 77.4538, 2.0, "GZB"),
    ("Ludhiana", "Punjab", 30.901, 75.8573, 1.9, "LDH"),
    ("Agra", "Uttar Pradesh", 27.1767, 78.0081, 1.8, "AGR"),
    ("Nashik", "Maharashtra", 19.9975, 73.7898, 1.8, "NSK"),
    ("Faridabad", "Haryana", 28.4089, 77.3178, 1.7, "FBD"),
    ("Meerut", "Uttar Pradesh", 28.9845, 77.7064, 1.6, "MRT"),
    ("Rajkot", "Gujarat", 22.3039, 70.8022, 1.6, "RAJ"),
    ("Varanasi", "Uttar Pradesh", 25.3176, 82.9739, 1.5, "VNS"),
    ("Srinagar", "Jammu and Kashmir", 34.0837, 74.7973, 1.4, "SXR"),
    ("Aurangabad", "Maharashtra", 19.8762, 75.3433, 1.4, "IXU"),
    ("Dhanbad", "Jharkhand", 23.7957, 86.4304, 1.3, "DHN"),
    ("Amritsar", "Punjab", 31.634, 74.8723, 1.3, "ATQ"),
    ("Navi Mumbai", "Maharashtra", 19.033, 73.0297, 1.3, "NMB"),
    ("Prayagraj", "Uttar Pradesh", 25.4358, 81.8463, 1.3, "IXD"),
    ("Ranchi", "Jharkhand", 23.3441, 85.3096, 1.2, "IXR"),
    ("Howrah", "West Bengal", 22.5958, 88.2636, 1.2, "HWH"),
    ("Coimbatore", "Tamil Nadu", 11.0168, 76.9558, 1.8, "CJB"),
    ("Jabalpur", "Madhya Pradesh", 23.1815, 79.9864, 1.2, "JLR"),
    ("Gwalior", "Madhya Pradesh", 26.2183, 78.1828, 1.1, "GWL"),
    ("Vijayawada", "Andhra Pradesh", 16.5062, 80.648, 1.1, "VGA"),
    ("Jodhpur", "Rajasthan", 26.2389, 73.0243, 1.1, "JDH"),
    ("Madurai", "Tamil Nadu", 9.9252, 78.1198, 1.1, "IXM"),
    ("Raipur", "Chhattisgarh", 21.2514, 81.6296, 1.1, "RPR"),
    ("Kota", "Rajasthan", 25.2138, 75.8648, 1.0, "KTU"),
    ("Guwahati", "Assam", 26.1445, 91.7362, 1.0, "GAU"),
    ("Chandigarh", "Chandigarh", 30.7333, 76.7794, 1.0, "IXC"),
    ("Solapur", "Maharashtra", 17.6599, 75.9064, 1.0, "SSE"),
    ("Mysuru", "Karnataka", 12.2958, 76.6394, 1.0, "MYS"),
    ("Bareilly", "Uttar Pradesh", 28.367, 79.4304, 0.9, "BEK"),
    ("Aligarh", "Uttar Pradesh", 27.8974, 78.088, 0.9, "ALG"),
    ("Tiruchirappalli", "Tamil Nadu", 10.7905, 78.7047, 0.9, "TRZ"),
    ("Bhubaneswar", "Odisha", 20.2961, 85.8245, 0.9, "BBI"),
    ("Salem", "Tamil Nadu", 11.6643, 78.146, 0.9, "SXV"),
    ("Thiruvananthapuram", "Kerala", 8.5241, 76.9366, 0.9, "TRV"),
    ("Kochi", "Kerala", 9.9312, 76.2673, 1.2, "COK"),
    ("Dehradun", "Uttarakhand", 30.3165, 78.0322, 0.7, "DED"),
    ("Jammu", "Jammu and Kashmir", 32.7266, 74.857, 0.7, "IXJ"),
    ("Mangaluru", "Karnataka", 12.9141, 74.856, 0.6, "IXE"),
    ("Udaipur", "Rajasthan", 24.5854, 73.7125, 0.5, "UDR"),
    ("Gurugram", "Haryana", 28.4595, 77.0266, 1.2, "GGN"),
    ("Noida", "Uttar Pradesh", 28.5355, 77.391, 0.9, "NOI"),
    ("Hubballi", "Karnataka", 15.3647, 75.124, 0.9, "HBX"),
    ("Belagavi", "Karnataka", 15.8497, 74.4977, 0.6, "IXG"),
    ("Tiruppur", "Tamil Nadu", 11.1085, 77.3411, 0.9, "TUP"),
    ("Gorakhpur", "Uttar Pradesh", 26.7606, 83.3732, 0.7, "GOP"),
    ("Bhavnagar", "Gujarat", 21.7645, 72.1519, 0.6, "BHU"),
    ("Jamshedpur", "Jharkhand", 22.8046, 86.2029, 1.0, "IXW"),
    ("Cuttack", "Odisha", 20.4625, 85.883, 0.6, "CTC"),
    ("Nellore", "Andhra Pradesh", 14.4426, 79.9865, 0.6, "NLR"),
    ("Warangal", "Telangana", 17.9689, 79.5941, 0.8, "WGC"),
    ("Kozhikode", "Kerala", 11.2588, 75.7804, 0.6, "CCJ"),
]
KR_CITIES = [
    ("서울", "서울특별시", 37.5665, 126.978, 9.7, "SEL", "Seoul"),
    ("부산", "부산광역시", 35.1796, 129.0756, 3.4, "BSN", "Busan"),
    ("인천", "인천광역시", 37.4563, 126.7052, 2.9, "ICN", "Incheon"),
    ("대구", "대구광역시", 35.8714, 128.6014, 2.4, "TAE", "Daegu"),
    ("대전", "대전광역시", 36.3504, 127.3845, 1.5, "DJN", "Daejeon"),
    ("광주", "광주광역시", 35.1595, 126.8526, 1.5, "KWJ", "Gwangju"),
    ("울산", "울산광역시", 35.5384, 129.3114, 1.1, "USN", "Ulsan"),
    ("수원", "경기도", 37.2636, 127.0286, 1.2, "SWN", "Suwon"),
    ("성남", "경기도", 37.4201, 127.1262, 0.9, "SNM", "Seongnam"),
    ("고양", "경기도", 37.6584, 126.832, 1.1, "GYG", "Goyang"),
    ("용인", "경기도", 37.2411, 127.1776, 1.1, "YGI", "Yongin"),
    ("창원", "경상남도", 35.2285, 128.6811, 1.0, "CWN", "Changwon"),
    ("청주", "충청북도", 36.6424, 127.489, 0.85, "CJJ", "Cheongju"),
    ("전주", "전라북도", 35.8242, 127.148, 0.65, "JJU", "Jeonju"),
    ("천안", "충청남도", 36.8151, 127.1139, 0.65, "CAN", "Cheonan"),
    ("안산", "경기도", 37.3219, 126.8309, 0.65, "ASN", "Ansan"),
    ("안양", "경기도", 37.3943, 126.9568, 0.55, "AYG", "Anyang"),
    ("포항", "경상북도", 36.019, 129.3435, 0.5, "KPO", "Pohang"),
    ("제주", "제주특별자치도", 33.4996, 126.5312, 0.5, "CJU", "Jeju"),
    ("김해", "경상남도", 35.2285, 128.8894, 0.55, "GMH", "Gimhae"),
    ("부천", "경기도", 37.5034, 126.766, 0.8, "BCN", "Bucheon"),
    ("화성", "경기도", 37.1995, 126.8315, 0.9, "HSG", "Hwaseong"),
]
JP_CITIES = [
    ("東京", "東京都", 35.6762, 139.6503, 14.0, "TYO", "Tokyo"),
    ("横浜", "神奈川県", 35.4437, 139.638, 3.7, "YOK", "Yokohama"),
    ("大阪", "大阪府", 34.6937, 135.5023, 2.7, "OSA", "Osaka"),
    ("名古屋", "愛知県", 35.1815, 136.9066, 2.3, "NGO", "Nagoya"),
    ("札幌", "北海道", 43.0618, 141.3545, 1.9, "SPK", "Sapporo"),
    ("福岡", "福岡県", 33.5904, 130.4017, 1.6, "FUK", "Fukuoka"),
    ("神戸", "兵庫県", 34.6901, 135.1955, 1.5, "UKB", "Kobe"),
    ("川崎", "神奈川県", 35.5308, 139.703, 1.5, "KWS", "Kawasaki"),
    ("京都", "京都府", 35.0116, 135.7681, 1.4, "UKY", "Kyoto"),
    ("さいたま", "埼玉県", 35.8617, 139.6455, 1.3, "SAI", "Saitama"),
    ("広島", "広島県", 34.3853, 132.4553, 1.2, "HIJ", "Hiroshima"),
    ("仙台", "宮城県", 38.2682, 140.8694, 1.1, "SDJ", "Sendai"),
    ("千葉", "千葉県", 35.6074, 140.1065, 0.98, "CHB", "Chiba"),
    ("北九州", "福岡県", 33.8835, 130.8752, 0.94, "KKJ", "Kitakyushu"),
    ("堺", "大阪府", 34.5733, 135.4828, 0.83, "SAK", "Sakai"),
    ("浜松", "静岡県", 34.7108, 137.7261, 0.79, "HMM", "Hamamatsu"),
    ("新潟", "新潟県", 37.9162, 139.0364, 0.78, "KIJ", "Niigata"),
    ("熊本", "熊本県", 32.8031, 130.7079, 0.74, "KMJ", "Kumamoto"),
    ("相模原", "神奈川県", 35.5714, 139.3734, 0.72, "SGM", "Sagamihara"),
    ("岡山", "岡山県", 34.6551, 133.9195, 0.72, "OKJ", "Okayama"),
    ("静岡", "静岡県", 34.9756, 138.3828, 0.69, "SZO", "Shizuoka"),
    ("船橋", "千葉県", 35.6947, 139.9826, 0.64, "FNB", "Funabashi"),
    ("鹿児島", "鹿児島県", 31.5966, 130.5571, 0.6, "KOJ", "Kagoshima"),
    ("八王子", "東京都", 35.6664, 139.316, 0.58, "HOJ", "Hachioji"),
    ("姫路", "兵庫県", 34.8151, 134.6853, 0.53, "HMJ", "Himeji"),
    ("宇都宮", "栃木県", 36.5551, 139.8828, 0.52, "UTN", "Utsunomiya"),
    ("松山", "愛媛県", 33.8392, 132.7657, 0.51, "MYJ", "Matsuyama"),
    ("金沢", "石川県", 36.5613, 136.6562, 0.46, "KMQ", "Kanazawa"),
    ("那覇", "沖縄県", 26.2124, 127.6809, 0.32, "OKA", "Naha"),
    ("長崎", "長崎県", 32.7503, 129.8779, 0.41, "NGS", "Nagasaki"),
]

# Generated towns: Indian "Rampur", "Shivgarh"; Korean "신천시"; Japanese "東山市".
IN_TOWN_A = [
    "Ram",
    "Shiv",
    "Krishna",
    "Hari",
    "Sita",
    "Laxmi",
    "Chandra",
    "Surya",
    "Dev",
    "Indra",
    "Raghu",
    "Madhav",
    "Gopal",
    "Bhim",
    "Arjun",
    "Kishan",
    "Sultan",
    "Fateh",
    "Bahadur",
    "Mohan",
    "Nand",
    "Bhawani",
    "Durga",
    "Kali",
    "Saha",
    "Bela",
    "Sona",
    "Hira",
    "Moti",
    "Chand",
    "Kesar",
    "Amar",
    "Hamir",
    "Jagat",
    "Kamal",
]
IN_TOWN_B = ["pur", "nagar", "garh", "abad", "ganj", "pura", "gaon", "wadi", "kot", "palli", "halli", "peth", "sar"]
KR_TOWN = [
    ("신", "Sin"),
    ("대", "Dae"),
    ("중", "Jung"),
    ("상", "Sang"),
    ("동", "Dong"),
    ("서", "Seo"),
    ("남", "Nam"),
    ("월", "Wol"),
    ("송", "Song"),
    ("금", "Geum"),
    ("청", "Cheong"),
    ("화", "Hwa"),
    ("용", "Yong"),
    ("봉", "Bong"),
    ("장", "Jang"),
    ("덕", "Deok"),
    ("평", "Pyeong"),
    ("안", "An"),
    ("영", "Yeong"),
    ("문", "Mun"),
    ("광", "Gwang"),
]
KR_TOWN_B = [
    ("천", "cheon"),
    ("산", "san"),
    ("주", "ju"),
    ("원", "won"),
    ("포", "po"),
    ("양", "yang"),
    ("진", "jin"),
    ("해", "hae"),
    ("성", "seong"),
    ("계", "gye"),
]
JP_A = [
    ("東", "Higashi"),
    ("西", "Nishi"),
    ("南", "Minami"),
    ("北", "Kita"),
    ("中", "Naka"),
    ("新", "Shin"),
    ("本", "Hon"),
    ("上", "Kami"),
    ("下", "Shimo"),
    ("大", "O"),
    ("小", "Ko"),
    ("若", "Waka"),
    ("桜", "Sakura"),
    ("松", "Matsu"),
    ("竹", "Take"),
    ("梅", "Ume"),
    ("青", "Ao"),
    ("緑", "Midori"),
    ("白", "Shira"),
    ("宮", "Miya"),
    ("春日", "Kasuga"),
    ("日吉", "Hiyoshi"),
    ("高", "Taka"),
    ("長", "Naga"),
    ("富士", "Fuji"),
]
JP_B = [
    ("町", "machi"),
    ("田", "da"),
    ("山", "yama"),
    ("川", "kawa"),
    ("橋", "bashi"),
    ("原", "hara"),
    ("沢", "sawa"),
    ("谷", "ya"),
    ("野", "no"),
    ("島", "jima"),
    ("台", "dai"),
    ("丘", "oka"),
    ("坂", "zaka"),
    ("浜", "hama"),
    ("崎", "saki"),
    ("木", "ki"),
    ("井", "i"),
    ("岡", "oka"),
    ("見", "mi"),
]

# --------------------------------------------------------------------------------------------------
# Localities
# --------------------------------------------------------------------------------------------------
IN_LOC_A = [
    "Gandhi",
    "Nehru",
    "Shastri",
    "Rajendra",
    "Subhash",
    "Indira",
    "Patel",
    "Tilak",
    "Ambedkar",
    "Lajpat",
    "Vivek",
    "Ashok",
    "Shivaji",
    "Netaji",
    "Ram",
    "Krishna",
    "Laxmi",
    "Saraswati",
    "Anand",
    "Vijay",
    "Sarojini",
    "Kamla",
    "Malviya",
    "Govind",
    "Mahaveer",
    "Hanuman",
    "Durga",
    "Kalyan",
    "Model",
    "Civil",
    "Sadar",
    "Old",
    "New",
    "Rajiv",
    "Azad",
    "Bhagat Singh",
    "Tagore",
    "Shanti",
    "Prem",
    "Vikas",
    "Pragati",
    "Mayur",
    "Kailash",
    "Green",
    "Sunder",
    "Rohini",
    "Janak",
    "Vasant",
    "Surya",
    "Gokul",
    "Jawahar",
    "Sanjay",
    "Kirti",
    "Preet",
    "Basant",
    "Adarsh",
    "Ganesh",
    "Sai",
    "Indra",
    "Moti",
    "Hari",
]
IN_LOC_B = [
    "Nagar",
    "Colony",
    "Vihar",
    "Puram",
    "Park",
    "Enclave",
    "Bagh",
    "Ganj",
    "Peth",
    "Wadi",
    "Layout",
    "Extension",
    "Chowk",
    "Town",
    "Lines",
    "Bazar",
    "Kunj",
    "Niketan",
    "Garden",
]
IN_REAL_LOCS = {
    "Mumbai": [
        "Powai",
        "Andheri West",
        "Andheri East",
        "Malad West",
        "Borivali West",
        "Dadar West",
        "Bandra West",
        "Goregaon East",
        "Kandivali East",
        "Chembur",
        "Ghatkopar East",
        "Mulund West",
        "Vile Parle East",
        "Santacruz West",
        "Kurla West",
        "Worli",
        "Colaba",
        "Lower Parel",
        "Juhu",
        "Versova",
    ],
    "Delhi": [
        "Lajpat Nagar",
        "Karol Bagh",
        "Rajouri Garden",
        "Punjabi Bagh",
        "Dwarka",
        "Rohini",
        "Saket",
        "Hauz Khas",
        "Mayur Vihar",
        "Pitampura",
        "Janakpuri",
        "Vasant Kunj",
        "Greater Kailash",
        "Connaught Place",
    ],
    "Bengaluru": [
        "Koramangala",
        "Indiranagar",
        "Jayanagar",
        "Malleshwaram",
        "Whitefield",
        "HSR Layout",
        "BTM Layout",
        "Marathahalli",
        "Rajajinagar",
        "Basavanagudi",
        "Electronic City",
        "Yelahanka",
        "Hebbal",
    ],
    "Hyderabad": [
        "Kukatpally",
        "Banjara Hills",
        "Jubilee Hills",
        "Madhapur",
        "Gachibowli",
        "Ameerpet",
        "Secunderabad",
        "Dilsukhnagar",
        "Begumpet",
        "Kondapur",
        "Miyapur",
    ],
    "Chennai": ["Mylapore", "T Nagar", "Adyar", "Anna Nagar", "Velachery", "Tambaram", "Porur", "Besant Nagar"],
    "Kolkata": ["Salt Lake", "New Town", "Park Street", "Ballygunge", "Behala", "Gariahat", "Tollygunge"],
    "Pune": ["Kothrud", "Camp", "Aundh", "Baner", "Hadapsar", "Viman Nagar", "Deccan Gymkhana", "Wakad"],
    "Ahmedabad": ["Thaltej", "Vastrapur", "Satellite", "Navrangpura", "Maninagar", "Bopal", "Prahlad Nagar"],
}
KR_LOCS = [
    ("역삼", "Yeoksam"),
    ("삼성", "Samseong"),
    ("대치", "Daechi"),
    ("신사", "Sinsa"),
    ("논현", "Nonhyeon"),
    ("청담", "Cheongdam"),
    ("서교", "Seogyo"),
    ("합정", "Hapjeong"),
    ("망원", "Mangwon"),
    ("연남", "Yeonnam"),
    ("상암", "Sangam"),
    ("목", "Mok"),
    ("신정", "Sinjeong"),
    ("화곡", "Hwagok"),
    ("등촌", "Deungchon"),
    ("잠실", "Jamsil"),
    ("문정", "Munjeong"),
    ("가락", "Garak"),
    ("방이", "Bangi"),
    ("성수", "Seongsu"),
    ("행당", "Haengdang"),
    ("왕십리", "Wangsimni"),
    ("금호", "Geumho"),
    ("옥수", "Oksu"),
    ("한남", "Hannam"),
    ("이태원", "Itaewon"),
    ("후암", "Huam"),
    ("명동", "Myeongdong"),
    ("회현", "Hoehyeon"),
    ("을지로", "Euljiro"),
    ("종로", "Jongno"),
    ("혜화", "Hyehwa"),
    ("정릉", "Jeongneung"),
    ("수유", "Suyu"),
    ("미아", "Mia"),
    ("창동", "Changdong"),
    ("상계", "Sanggye"),
    ("중계", "Junggye"),
    ("공릉", "Gongneung"),
    ("면목", "Myeonmok"),
    ("구의", "Guui"),
    ("자양", "Jayang"),
    ("화양", "Hwayang"),
    ("군자", "Gunja"),
    ("천호", "Cheonho"),
    ("둔촌", "Dunchon"),
    ("암사", "Amsa"),
    ("고덕", "Godeok"),
    ("부평", "Bupyeong"),
    ("구월", "Guwol"),
    ("주안", "Juan"),
    ("송도", "Songdo"),
    ("해운대", "Haeundae"),
    ("서면", "Seomyeon"),
    ("남포", "Nampo"),
    ("광안", "Gwangan"),
    ("동래", "Dongnae"),
    ("둔산", "Dunsan"),
    ("유성", "Yuseong"),
    ("수성", "Suseong"),
    ("범어", "Beomeo"),
    ("상무", "Sangmu"),
    ("정자", "Jeongja"),
    ("서현", "Seohyeon"),
    ("야탑", "Yatap"),
    ("판교", "Pangyo"),
    ("광교", "Gwanggyo"),
    ("영통", "Yeongtong"),
    ("인계", "Ingye"),
    ("일산", "Ilsan"),
    ("주엽", "Juyeop"),
    ("범계", "Beomgye"),
    ("평촌", "Pyeongchon"),
    ("산본", "Sanbon"),
    ("중동", "Jungdong"),
]
KR_LOC_B = [
    ("천", "cheon"),
    ("평", "pyeong"),
    ("산", "san"),
    ("덕", "deok"),
    ("곡", "gok"),
    ("정", "jeong"),
    ("암", "am"),
    ("림", "rim"),
    ("포", "po"),
    ("현", "hyeon"),
    ("원", "won"),
    ("계", "gye"),
    ("촌", "chon"),
    ("성", "seong"),
    ("수", "su"),
    ("지", "ji"),
]
KR_GU = [
    "중구",
    "동구",
    "서구",
    "남구",
    "북구",
    "강남구",
    "강서구",
    "수성구",
    "해운대구",
    "유성구",
    "송파구",
    "마포구",
    "영등포구",
    "덕양구",
    "분당구",
    "팔달구",
    "연수구",
    "부평구",
    "성산구",
    "완산구",
]
KR_ROADS = [
    "중앙로",
    "시청로",
    "역전로",
    "문화로",
    "번영로",
    "대학로",
    "공원로",
    "시장길",
    "학교길",
    "테헤란로",
    "강변로",
    "평화로",
    "희망로",
    "새마을로",
    "동산길",
    "해안로",
]
JP_LOCS = [
    ("上野", "Ueno"),
    ("浅草", "Asakusa"),
    ("渋谷", "Shibuya"),
    ("新宿", "Shinjuku"),
    ("池袋", "Ikebukuro"),
    ("中野", "Nakano"),
    ("高円寺", "Koenji"),
    ("吉祥寺", "Kichijoji"),
    ("三鷹", "Mitaka"),
    ("荻窪", "Ogikubo"),
    ("蒲田", "Kamata"),
    ("大森", "Omori"),
    ("品川", "Shinagawa"),
    ("五反田", "Gotanda"),
    ("目黒", "Meguro"),
    ("恵比寿", "Ebisu"),
    ("中目黒", "Nakameguro"),
    ("自由が丘", "Jiyugaoka"),
    ("二子玉川", "Futakotamagawa"),
    ("三軒茶屋", "Sangenjaya"),
    ("下北沢", "Shimokitazawa"),
    ("経堂", "Kyodo"),
    ("成城", "Seijo"),
    ("町田", "Machida"),
    ("立川", "Tachikawa"),
    ("府中", "Fuchu"),
    ("調布", "Chofu"),
    ("国分寺", "Kokubunji"),
    ("梅田", "Umeda"),
    ("難波", "Namba"),
    ("天王寺", "Tennoji"),
    ("心斎橋", "Shinsaibashi"),
    ("本町", "Honmachi"),
    ("京橋", "Kyobashi"),
    ("十三", "Juso"),
    ("江坂", "Esaka"),
    ("栄", "Sakae"),
    ("名駅", "Meieki"),
    ("金山", "Kanayama"),
    ("今池", "Imaike"),
    ("天神", "Tenjin"),
    ("博多", "Hakata"),
    ("中洲", "Nakasu"),
    ("薬院", "Yakuin"),
    ("すすきの", "Susukino"),
    ("大通", "Odori"),
    ("琴似", "Kotoni"),
    ("元町", "Motomachi"),
    ("三宮", "Sannomiya"),
    ("六甲", "Rokko"),
    ("住吉", "Sumiyoshi"),
    ("四条", "Shijo"),
    ("河原町", "Kawaramachi"),
    ("烏丸", "Karasuma"),
    ("山科", "Yamashina"),
    ("伏見", "Fushimi"),
    ("大宮", "Omiya"),
    ("浦和", "Urawa"),
    ("関内", "Kannai"),
    ("日吉", "Hiyoshi"),
    ("武蔵小杉", "Musashikosugi"),
    ("溝の口", "Mizonokuchi"),
    ("錦糸町", "Kinshicho"),
    ("北千住", "Kitasenju"),
    ("赤羽", "Akabane"),
    ("練馬", "Nerima"),
    ("亀有", "Kameari"),
    ("門前仲町", "Monzennakacho"),
]
JP_WARDS = [
    "中央区",
    "北区",
    "南区",
    "東区",
    "西区",
    "港区",
    "台東区",
    "中区",
    "博多区",
    "淀川区",
    "青葉区",
    "緑区",
    "中村区",
    "東灘区",
    "左京区",
    "世田谷区",
    "杉並区",
    "練馬区",
    "大田区",
    "豊島区",
]

# --------------------------------------------------------------------------------------------------
# Chains: name, alias patterns ({loc} local name, {rom} romanised), handle, weight, branch-name style
# --------------------------------------------------------------------------------------------------
IN_CHAINS = [
    ("DMart", "DMart {loc}", ["D-Mart {loc}", "D Mart {loc}", "Dmart {loc}"], "DMartIndia", 10),
    (
        "Reliance Smart",
        "Reliance Smart {loc}",
        ["Reliance Smart Bazaar {loc}", "Smart Bazaar {loc}"],
        "RelianceSmart",
        9,
    ),
    ("More", "More Supermarket {loc}", ["More {loc}", "More Megastore {loc}"], "MoreRetailIN", 8),
    ("Spencer's", "Spencer's {loc}", ["Spencers {loc}", "Spencer {loc}"], "SpencersRetail", 4),
    ("Star Bazaar", "Star Bazaar {loc}", ["Star Market {loc}", "Star {loc}"], "StarBazaarIndia", 3),
    (
        "Nature's Basket",
        "Nature's Basket {loc}",
        ["Natures Basket {loc}", "Godrej Nature's Basket {loc}"],
        "NaturesBasket",
        2,
    ),
    ("Vishal Mega Mart", "Vishal Mega Mart {loc}", ["Vishal {loc}", "Vishal Mart {loc}"], "VishalMegaMart", 6),
    ("Ratnadeep", "Ratnadeep {loc}", ["Ratnadeep Supermarket {loc}"], "RatnadeepRetail", 2),
    ("Nilgiris", "Nilgiris {loc}", ["Nilgiris 1905 {loc}", "Nilgiri's {loc}"], "Nilgiris1905", 2),
    ("Heritage Fresh", "Heritage Fresh {loc}", ["Heritage {loc}"], "HeritageFresh", 2),
    ("Easyday", "Easyday {loc}", ["Easy Day {loc}"], "EasydayIndia", 3),
    ("SPAR", "SPAR Hypermarket {loc}", ["Spar {loc}"], "SPARIndia", 2),
    ("24Seven", "24Seven {loc}", ["24 Seven {loc}", "24x7 {loc}"], "24SevenIndia", 2),
    ("Apna Bazar", "Apna Bazar {loc}", ["Apna Bazaar {loc}"], "ApnaBazarCoop", 2),
    ("Modern Bazaar", "Modern Bazaar {loc}", ["Modern Bazar {loc}"], "ModernBazaarIN", 1),
    ("Osia Hypermart", "Osia Hypermart {loc}", ["Osia {loc}", "Osia Hyper Mart {loc}"], "OsiaHypermart", 1),
]
KR_CHAINS = [
    ("CU", "CU {loc}", ["CU {rom}", "씨유 {loc}"], "CU_official_kr", 10),
    ("GS25", "GS25 {loc}", ["GS25 {rom}", "지에스25 {loc}", "GS 25 {rom}"], "GS25_official", 10),
    ("세븐일레븐", "세븐일레븐 {loc}", ["7-Eleven {rom}", "세븐 {loc}"], "7ElevenKorea", 6),
    ("이마트24", "이마트24 {loc}", ["emart24 {rom}", "이마트 24 {loc}"], "emart24_official", 5),
    ("이마트", "이마트 {loc}", ["E-mart {rom}", "emart {rom}"], "emart_official", 1),
    ("홈플러스", "홈플러스 {loc}", ["Homeplus {rom}", "홈플 {loc}"], "Homeplus_kr", 1),
    ("롯데마트", "롯데마트 {loc}", ["Lotte Mart {rom}", "롯데 {loc}"], "lottemart", 1),
    ("하나로마트", "하나로마트 {loc}", ["Hanaro Mart {rom}", "농협하나로마트 {loc}"], "nhhanaro", 1),
    ("GS더프레시", "GS더프레시 {loc}", ["GS The Fresh {rom}", "지에스더프레시 {loc}"], "gsthefresh", 2),
    ("노브랜드", "노브랜드 {loc}", ["No Brand {rom}"], "nobrand_kr", 1),
]
JP_CHAINS = [
    (
        "セブン-イレブン",
        "セブン-イレブン {loc}",
        ["7-Eleven {rom}", "Seven Eleven {rom}", "セブンイレブン {loc}", "セブン {loc}", "セブイレ {loc}"],
        "711SEJ",
        10,
    ),
    ("ファミリーマート", "ファミリーマート {loc}", ["FamilyMart {rom}", "ファミマ {loc}"], "famima_now", 8),
    ("ローソン", "ローソン {loc}", ["Lawson {rom}", "LAWSON {rom}", "ローソン{loc}"], "akiko_lawson", 7),
    ("ミニストップ", "ミニストップ {loc}", ["Ministop {rom}", "ミニスト {loc}"], "ministop_fan", 2),
    ("イオン", "イオン {loc}", ["AEON {rom}", "イオンスタイル {loc}"], "AEON_JAPAN", 1),
    ("マックスバリュ", "マックスバリュ {loc}", ["MaxValu {rom}", "マックス {loc}"], "maxvalu_jp", 1),
    ("ライフ", "ライフ {loc}", ["Life {rom}", "ライフ{loc}"], "lifecorp", 1),
    ("まいばすけっと", "まいばすけっと {loc}", ["My Basket {rom}", "まいばす {loc}"], "mybasket_jp", 2),
    ("デイリーヤマザキ", "デイリーヤマザキ {loc}", ["Daily Yamazaki {rom}", "デイリー {loc}"], "dailyyamazaki", 1),
    ("業務スーパー", "業務スーパー {loc}", ["Gyomu Super {rom}", "業スー {loc}"], "gyomusuper", 1),
]
# Share of a city's stores that are chain branches (the rest are independents).
CHAIN_SHARE = {"IN": 0.07, "KR": 0.35, "JP": 0.40}

# --------------------------------------------------------------------------------------------------
# Independents
# --------------------------------------------------------------------------------------------------
IN_IND_A = [
    "Shree Ganesh",
    "Balaji",
    "Sharma",
    "New",
    "Janta",
    "Shri Ram",
    "Jai Hind",
    "Laxmi",
    "Krishna",
    "Sai",
    "Om Sai",
    "Gupta",
    "Agarwal",
    "Bansal",
    "Patel",
    "Mahalaxmi",
    "Annapurna",
    "Durga",
    "Hanuman",
    "Raj",
    "Royal",
    "Sri Venkateshwara",
    "Murugan",
    "Ganga",
    "Jai Mata Di",
    "Aggarwal",
    "Mittal",
    "Jain",
    "Kamath",
    "Reddy",
    "Nair",
    "Iyer",
    "Bharat",
    "Apna",
    "Kumar",
    "Vijay",
    "Anand",
    "Shiv Shakti",
    "Maa Durga",
    "Shree Krishna",
    "Radhe",
    "Khandelwal",
    "Goyal",
    "Verma",
    "Yadav",
    "Chauhan",
    "Singh",
    "Khan",
    "Al-Noor",
    "Bismillah",
    "Guru Kripa",
    "Waheguru",
    "Sai Krupa",
    "Jay Ambe",
    "Ambica",
    "Navkar",
    "Mahavir",
    "Vardhman",
    "Kalpana",
    "Sagar",
    "Ashirwad",
    "Mangalam",
    "Shubham",
    "Siddhivinayak",
    "Bhagyalaxmi",
    "Kaveri",
    "Lakshmi Narasimha",
    "Sri Sai",
    "Annai",
    "Mariamman",
    "Vinayaka",
    "Ma Tara",
    "Loknath",
    "Kothari",
    "Desai",
    "Joshi",
    "Kulkarni",
    "Pai",
    "Shetty",
    "Menon",
    "Das",
    "Ghosh",
    "Mondal",
]
IN_IND_B = [
    "General Store",
    "General Stores",
    "Kirana Store",
    "Kirana",
    "Provision Store",
    "Provision Stores",
    "Supermarket",
    "Super Market",
    "Mart",
    "Departmental Store",
    "Stores",
    "Traders",
    "Bhandar",
    "Kirana & General Stores",
    "Enterprises",
    "Fancy & General Store",
    "Daily Needs",
    "Super Bazar",
    "Grocery",
    "Fresh Mart",
    "Mini Mart",
]
# Devanagari forms of name parts people write in Hindi.
DEVANAGARI = {
    "Shree Ganesh": "श्री गणेश",
    "Balaji": "बालाजी",
    "Sharma": "शर्मा",
    "New": "न्यू",
    "Janta": "जनता",
    "Shri Ram": "श्री राम",
    "Laxmi": "लक्ष्मी",
    "Krishna": "कृष्णा",
    "Sai": "साईं",
    "Gupta": "गुप्ता",
    "Agarwal": "अग्रवाल",
    "Bansal": "बंसल",
    "Hanuman": "हनुमान",
    "Durga": "दुर्गा",
    "Jain": "जैन",
    "Bharat": "भारत",
    "Apna": "अपना",
    "Kumar": "कुमार",
    "Verma": "वर्मा",
    "Yadav": "यादव",
    "General Store": "जनरल स्टोर",
    "General Stores": "जनरल स्टोर्स",
    "Kirana Store": "किराना स्टोर",
    "Kirana": "किराना",
    "Stores": "स्टोर्स",
    "Mart": "मार्ट",
    "Bhandar": "भंडार",
    "Supermarket": "सुपरमार्केट",
    "Provision Store": "प्रोविज़न स्टोर",
    "Traders": "ट्रेडर्स",
}
KR_IND_A = [
    ("행복", "Haengbok"),
    ("우리", "Uri"),
    ("한빛", "Hanbit"),
    ("새마을", "Saemaeul"),
    ("대박", "Daebak"),
    ("싱싱", "Singsing"),
    ("알뜰", "Altteul"),
    ("하나", "Hana"),
    ("온누리", "Onnuri"),
    ("동네", "Dongne"),
    ("김씨네", "Kimssine"),
    ("박씨네", "Bakssine"),
    ("해피", "Happy"),
    ("굿모닝", "Good Morning"),
    ("참", "Cham"),
    ("푸른", "Pureun"),
    ("으뜸", "Eutteum"),
    ("제일", "Jeil"),
    ("대성", "Daeseong"),
    ("미소", "Miso"),
    ("햇살", "Haetsal"),
    ("보람", "Boram"),
    ("세일", "Sale"),
    ("왕", "Wang"),
    ("큰", "Keun"),
]
KR_IND_B = [
    ("마트", "Mart"),
    ("슈퍼", "Super"),
    ("슈퍼마켓", "Supermarket"),
    ("상회", "Sanghoe"),
    ("식품", "Sikpum"),
    ("할인마트", "Discount Mart"),
    ("마트24", "Mart 24"),
]
JP_IND_A = [
    ("やまだ", "Yamada"),
    ("たなか", "Tanaka"),
    ("すずき", "Suzuki"),
    ("さとう", "Sato"),
    ("山田", "Yamada"),
    ("田中", "Tanaka"),
    ("鈴木", "Suzuki"),
    ("佐藤", "Sato"),
    ("高橋", "Takahashi"),
    ("伊藤", "Ito"),
    ("渡辺", "Watanabe"),
    ("中村", "Nakamura"),
    ("小林", "Kobayashi"),
    ("加藤", "Kato"),
    ("吉田", "Yoshida"),
    ("山本", "Yamamoto"),
    ("松本", "Matsumoto"),
    ("井上", "Inoue"),
    ("木村", "Kimura"),
    ("林", "Hayashi"),
    ("まるや", "Maruya"),
    ("かねだ", "Kaneda"),
    ("丸十", "Maruju"),
    ("やまや", "Yamaya"),
]
JP_IND_B = [
    ("商店", "Shoten"),
    ("ストア", "Store"),
    ("食料品店", "Shokuryohinten"),
    ("酒店", "Saketen"),
    ("商会", "Shokai"),
    ("マート", "Mart"),
    ("食品", "Shokuhin"),
]

BUILD_A = [
    "Krishna",
    "Sai",
    "Om Sai",
    "Mahavir",
    "Royal",
    "Classic",
    "City",
    "Prestige",
    "Shiv Shakti",
    "Ganga",
    "Siddhivinayak",
    "Vrindavan",
    "Kamdhenu",
    "Radhika",
    "Trade",
    "Sunrise",
    "Silver",
    "Golden",
    "Lotus",
]
BUILD_B = [
    "Arcade",
    "Complex",
    "Heights",
    "Plaza",
    "Mall",
    "Apartments",
    "Residency",
    "Towers",
    "Centre",
    "Shopping Centre",
    "Chambers",
    "Market",
    "Building",
]
STREETS = [
    "MG Road",
    "Station Road",
    "SV Road",
    "Link Road",
    "Main Road",
    "Club Road",
    "Nehru Road",
    "Tilak Road",
    "Gandhi Road",
    "Market Road",
    "Temple Street",
    "1st Cross",
    "4th Main",
    "Ring Road",
    "Mall Road",
    "Church Street",
    "College Road",
    "Hospital Road",
    "Bazar Road",
    "Court Road",
    "Canal Road",
    "NH 48",
]
LANDMARKS = [
    "Bus Stand",
    "Railway Station",
    "Hanuman Mandir",
    "SBI Bank",
    "Post Office",
    "Govt School",
    "Petrol Pump",
    "City Hospital",
    "Clock Tower",
    "Police Station",
    "Shiv Mandir",
    "Jama Masjid",
    "Water Tank",
    "Gurudwara",
    "Ganesh Mandir",
    "Metro Station",
    "Bus Depot",
    "Vegetable Market",
]


@dataclass
class Locality:
    name: str
    rom: str  # romanised (equal to name for India)
    lat: float
    lon: float
    postcode: str
    zone: int


@dataclass
class City:
    name: str
    state: str
    country: str
    lat: float
    lon: float
    weight: float
    code: str
    rom: str
    localities: list[Locality] = field(default_factory=list)
    counter: int = 0
    branch_names: set = field(default_factory=set)


def _make_cities(rng: random.Random, n_towns_in: int = 230, n_towns_kr: int = 40, n_towns_jp: int = 60) -> list[City]:
    cities = [City(n, s, "IN", la, lo, w, c, n) for n, s, la, lo, w, c in IN_CITIES]
    cities += [City(n, s, "KR", la, lo, w, c, r) for n, s, la, lo, w, c, r in KR_CITIES]
    cities += [City(n, s, "JP", la, lo, w, c, r) for n, s, la, lo, w, c, r in JP_CITIES]
    seen = {c.name for c in cities}

    def near(country: str) -> City:
        return rng.choice(
            [c for c in cities[: len(IN_CITIES) + len(KR_CITIES) + len(JP_CITIES)] if c.country == country]
        )

    def place(base: City, km: float) -> tuple[float, float]:
        ang, d = rng.uniform(0, 2 * math.pi), rng.uniform(25, km)
        return (
            round(base.lat + d / 111 * math.sin(ang), 5),
            round(base.lon + d / (111 * math.cos(math.radians(base.lat))) * math.cos(ang), 5),
        )

    made = 0
    while made < n_towns_in:
        name = rng.choice(IN_TOWN_A) + rng.choice(IN_TOWN_B)
        if name in seen:
            continue
        seen.add(name)
        base = near("IN")
        lat, lon = place(base, 180)
        cities.append(City(name, base.state, "IN", lat, lon, rng.uniform(0.05, 0.6), f"T{made:03d}", name))
        made += 1
    made = 0
    while made < n_towns_kr:
        (a, ar), (b, br) = rng.choice(KR_TOWN), rng.choice(KR_TOWN_B)
        suffix, rs = rng.choice([("시", ""), ("군", "-gun")])
        name = a + b + suffix
        if a + b + "시" in seen or a + b + "군" in seen:
            continue
        seen.add(name)
        base = near("KR")
        lat, lon = place(base, 60)
        cities.append(City(name, base.state, "KR", lat, lon, rng.uniform(0.05, 0.4), f"K{made:03d}", ar + br + rs))
        made += 1
    made = 0
    while made < n_towns_jp:
        (a, ar), (b, br) = rng.choice(JP_A), rng.choice(JP_B)
        name = a + b + "市"
        if name in seen:
            continue
        seen.add(name)
        base = near("JP")
        lat, lon = place(base, 120)
        cities.append(City(name, base.state, "JP", lat, lon, rng.uniform(0.05, 0.4), f"J{made:03d}", ar + br))
        made += 1
    return cities


def _locality_names(city: City, rng: random.Random, n: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(name: str, rom: str) -> None:
        if name not in seen:
            seen.add(name)
            out.append((name, rom))

    if city.country == "IN":
        for real in IN_REAL_LOCS.get(city.name, []):
            add(real, real)
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            r = rng.random()
            if r < 0.08:
                name = f"Sector {rng.randint(1, 120)}"
            elif r < 0.13:
                name = f"{rng.choice(IN_LOC_A)} {rng.choice(IN_LOC_B)} Phase {rng.randint(1, 4)}"
            else:
                name = f"{rng.choice(IN_LOC_A)} {rng.choice(IN_LOC_B)}"
                if rng.random() < 0.12:
                    name += " " + rng.choice(["East", "West", "North", "South"])
            add(name, name)
    elif city.country == "KR":
        pool = list(KR_LOCS)
        rng.shuffle(pool)
        for name, rom in pool[: max(3, n // 2)]:
            add(name + "동" if rng.random() < 0.5 else name, rom + ("-dong" if name.endswith("동") else ""))
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            (a, ar), (b, br) = rng.choice(KR_TOWN), rng.choice(KR_LOC_B)
            if rng.random() < 0.25:
                k = rng.randint(1, 4)
                add(f"{a}{b}{k}동", f"{ar}{br} {k}-dong")
            else:
                add(f"{a}{b}동", f"{ar}{br}-dong")
    else:
        pool = list(JP_LOCS)
        rng.shuffle(pool)
        for name, rom in pool[: max(3, n // 2)]:
            add(name, rom)
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            (a, ar), (b, br) = rng.choice(JP_A), rng.choice(JP_B)
            add(a + b, ar + br)
    return out[:n] if len(out) > n else out


def _ensure_localities(city: City, seed: int, expected_stores: float) -> None:
    if city.localities:
        return
    rng = random.Random(f"{seed}:{city.code}:loc")
    n = int(min(1500, max(6, expected_stores / 40)))
    radius_km = 3 + 9 * math.sqrt(city.weight)
    zones = max(1, min(6, int(city.weight)))
    pin_base = rng.randint(110, 855) * 1000 if city.country == "IN" else rng.randint(10, 63) * 1000
    for name, rom in _locality_names(city, rng, n):
        ang, d = rng.uniform(0, 2 * math.pi), radius_km * math.sqrt(rng.random())
        lat = city.lat + d / 111 * math.sin(ang)
        lon = city.lon + d / (111 * math.cos(math.radians(city.lat))) * math.cos(ang)
        if city.country == "IN":
            postcode = str(pin_base + rng.randint(1, 99))
        elif city.country == "KR":
            postcode = f"{pin_base + rng.randint(0, 999):05d}"
        else:
            postcode = f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
        zone = int((ang / (2 * math.pi)) * zones) + 1
        city.localities.append(Locality(name, rom, lat, lon, postcode, zone))


def _address(city: City, loc: Locality, rng: random.Random) -> str:
    if city.country == "IN":
        parts = []
        if rng.random() < 0.8:
            parts.append(f"Shop No. {rng.randint(1, 60)}")
        if rng.random() < 0.7:
            parts.append(f"{rng.choice(BUILD_A)} {rng.choice(BUILD_B)}")
        parts.append(rng.choice(STREETS) if rng.random() < 0.7 else f"{rng.choice(IN_LOC_A)} Marg")
        if rng.random() < 0.45:
            parts.append(f"{rng.choice(['near', 'opp.', 'behind'])} {rng.choice(LANDMARKS)}")
        return ", ".join(parts)
    if city.country == "KR":
        road = (
            loc.name.removesuffix("동") + rng.choice(["로", "길", "대로"])
            if rng.random() < 0.5
            else rng.choice(KR_ROADS)
        )
        if rng.random() < 0.4:
            road += f"{rng.randint(1, 40)}길"
        return f"{rng.choice(KR_GU)} {road} {rng.randint(1, 400)}"
    ward = rng.choice(JP_WARDS) if city.weight > 0.5 else ""
    return f"{ward}{loc.name}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"


def _branch_part(city: City, loc: Locality, rng: random.Random, chain: str) -> tuple[str, str]:
    """The branch part of a chain store's name and its romanised form, unique per chain in a city."""
    for attempt in range(40):
        if city.country == "IN":
            if attempt == 0:
                local, rom = loc.name, loc.name
            else:
                extra = rng.choice(STREETS + LANDMARKS + [f"{rng.choice(BUILD_A)} {rng.choice(BUILD_B)}"])
                local = rom = f"{loc.name} {extra}" if attempt < 30 else f"{loc.name} {attempt}"
        elif city.country == "KR":
            stem = loc.name.removesuffix("동") if rng.random() < 0.6 else loc.name
            rstem = loc.rom.removesuffix("-dong")
            suf, rsuf = (
                (
                    ("점", ""),
                    ("역점", " Station"),
                    ("중앙점", " Central"),
                    ("사거리점", " Junction"),
                    ("본점", " Main"),
                    ("타워점", " Tower"),
                    ("시장점", " Market"),
                )[min(attempt, 6)]
                if attempt < 7
                else (f"{attempt - 5}호점", f" No.{attempt - 5}")
            )
            local, rom = stem + suf, rstem + rsuf
        else:
            opts = (
                ("店", ""),
                ("駅前店", " Ekimae"),
                ("駅店", " Station"),
                ("中央店", " Chuo"),
                ("北口店", " Kitaguchi"),
                ("南口店", " Minamiguchi"),
                ("東口店", " Higashiguchi"),
                ("西口店", " Nishiguchi"),
            )
            if attempt < len(opts):
                suf, rsuf = opts[attempt]
            else:
                k = attempt - len(opts) + 1
                suf, rsuf = f"{k}丁目店", f" {k}-chome"
            local, rom = loc.name + suf, loc.rom + rsuf
        if (chain, local) not in city.branch_names:
            city.branch_names.add((chain, local))
            return local, rom
    n = len(city.branch_names)
    city.branch_names.add((chain, f"{loc.name}{n}"))
    return f"{loc.name} {n}", f"{loc.rom} {n}"


def _chain_store(city: City, loc: Locality, rng: random.Random) -> tuple[str, str, list[str], str]:
    chains = {"IN": IN_CHAINS, "KR": KR_CHAINS, "JP": JP_CHAINS}[city.country]
    chain, pattern, alias_patterns, handle, _w = rng.choices(chains, weights=[c[4] for c in chains])[0]
    local, rom = _branch_part(city, loc, rng, chain)
    name = pattern.format(loc=local, rom=rom)
    aliases = [a.format(loc=local, rom=rom) for a in alias_patterns if rng.random() < 0.85]
    return name, chain, aliases, handle


def _independent(city: City, loc: Locality, rng: random.Random) -> tuple[str, list[str], str]:
    aliases: list[str] = []
    if city.country == "IN":
        a, b = rng.choice(IN_IND_A), rng.choice(IN_IND_B)
        if rng.random() < 0.05:  # shops named after their area ("Powai Provision Store")
            a = loc.name
        name = f"{a} {b}"
        if rng.random() < 0.5:
            aliases.append(f"{a} {'Store' if 'Store' in b or 'Kirana' in b else b.split()[-1]}")
        if rng.random() < 0.1 and a not in ("New", "Apna", "Royal"):
            aliases.append(f"{a} Ji Ki Dukaan")
        if rng.random() < 0.15 and a in DEVANAGARI and b in DEVANAGARI:
            aliases.append(f"{DEVANAGARI[a]} {DEVANAGARI[b]}")
        handle = (
            (a + b).replace(" ", "").replace("&", "").replace("-", "")[:15] + rng.choice(["", "_", "Store"])
            if rng.random() < 0.04
            else ""
        )
    elif city.country == "KR":
        (a, ar), (b, br) = rng.choice(KR_IND_A), rng.choice(KR_IND_B)
        prefix, rprefix = ("", "")
        if rng.random() < 0.3:
            prefix, rprefix = loc.name.removesuffix("동"), loc.rom.removesuffix("-dong") + " "
        name = prefix + a + b
        if rng.random() < 0.6:
            aliases.append(f"{rprefix}{ar} {br}".strip())
        handle = f"{ar.lower()}{br.lower().replace(' ', '')}{rng.randint(1, 99)}" if rng.random() < 0.03 else ""
    else:
        (a, ar), (b, br) = rng.choice(JP_IND_A), rng.choice(JP_IND_B)
        r = rng.random()
        if r < 0.15:
            name, rom = f"スーパー{a}", f"Super {ar}"
        elif r < 0.25:
            name, rom = f"{loc.name}{a}{b}", f"{loc.rom} {ar} {br}"
        else:
            name, rom = a + b, f"{ar} {br}"
        if rng.random() < 0.5:
            aliases.append(rom)
        handle = ""
    return name, [a for a in aliases if a != name], handle


def generate(count: int, out: Path, seed: int, progress: bool = True) -> None:
    rng = random.Random(seed)
    cities = _make_cities(random.Random(f"{seed}:cities"))
    weights = [c.weight for c in cities]
    total_w = sum(weights)
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    t0 = time.perf_counter()
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for n in range(count):
            city = rng.choices(cities, cum_weights=cum)[0]
            _ensure_localities(city, seed, count * city.weight / total_w)
            # localities are not equally busy: a few hold many shops
            loc = city.localities[min(len(city.localities) - 1, int(len(city.localities) * rng.random() ** 1.6))]
            if rng.random() < CHAIN_SHARE[city.country]:
                name, chain, aliases, handle = _chain_store(city, loc, rng)
            else:
                (name, aliases, handle), chain = _independent(city, loc, rng), ""
            city.counter += 1
            store_id = f"{city.country}-{city.code}-{city.counter:06d}"
            lat = loc.lat + rng.gauss(0, 0.004)
            lon = loc.lon + rng.gauss(0, 0.004)
            w.writerow(
                (
                    store_id,
                    name,
                    chain,
                    "|".join(dict.fromkeys(aliases)),
                    handle,
                    _address(city, loc, rng),
                    loc.name,
                    city.name,
                    city.state,
                    city.country,
                    loc.postcode,
                    f"{lat:.5f}",
                    f"{lon:.5f}",
                    f"DST-{city.code}-{loc.zone}",
                )
            )
            if progress and n and n % 100_000 == 0:
                print(f"  {n:,} stores ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    generate(args.count, args.out, args.seed)
    print(f"wrote {args.count:,} stores to {args.out} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
