package seed

// This file holds the fixed vocabularies the generator draws from: areas
// (GB/T 2260 county-level codes with their names), issuing departments,
// names and the words that make addresses and company names.

// area is a county-level administrative division: its 6-digit GB/T 2260
// code and the names an address in it starts with.
type area struct {
	code     string
	province string
	city     string
	district string
	weight   int // relative frequency among holders
}

// areas are where holders are registered. Mostly Sichuan (成都, 绵阳, 南充,
// 德阳, 宜宾, 凉山); a few from other provinces so that non-local holders and
// certificates exist.
var areas = []area{
	{"510104", "四川省", "成都市", "锦江区", 9},
	{"510105", "四川省", "成都市", "青羊区", 9},
	{"510106", "四川省", "成都市", "金牛区", 10},
	{"510107", "四川省", "成都市", "武侯区", 12},
	{"510108", "四川省", "成都市", "成华区", 10},
	{"510112", "四川省", "成都市", "龙泉驿区", 6},
	{"510116", "四川省", "成都市", "双流区", 7},
	{"510117", "四川省", "成都市", "郫都区", 5},
	{"510703", "四川省", "绵阳市", "涪城区", 6},
	{"510704", "四川省", "绵阳市", "游仙区", 4},
	{"511302", "四川省", "南充市", "顺庆区", 5},
	{"511303", "四川省", "南充市", "高坪区", 3},
	{"510603", "四川省", "德阳市", "旌阳区", 4},
	{"511502", "四川省", "宜宾市", "翠屏区", 3},
	{"513401", "四川省", "凉山彝族自治州", "西昌市", 3},
	{"110105", "北京市", "北京市", "朝阳区", 1},
	{"110108", "北京市", "北京市", "海淀区", 1},
	{"310115", "上海市", "上海市", "浦东新区", 1},
	{"440106", "广东省", "广州市", "天河区", 1},
	{"500103", "重庆市", "重庆市", "渝中区", 2},
	{"500112", "重庆市", "重庆市", "渝北区", 1},
	{"530102", "云南省", "昆明市", "五华区", 1},
}

// deptRole says what a department issues, so certificates of a type are
// issued by a department of the right kind near the holder.
type deptRole int

const (
	rolePolice   deptRole = iota // 居民身份证
	roleTraffic                  // 机动车驾驶证
	roleMarket                   // 营业执照, 食品经营许可证
	roleLand                     // 不动产权证书
	roleCivil                    // 结婚证
	roleEmigrant                 // 普通护照
	roleProvince                 // provincial bodies (no certificates of their own here)
)

// department is an issuing authority. Its credit code is built from kind
// "11" (机关), the division and a fixed organisation-code body, so it is the
// same in every run and for every seed.
type department struct {
	name     string
	division string // 6-digit GB/T 2260 code; chars 1–2 are the province
	role     deptRole
	orgBody  string // 8 characters of the GB 11714 organisation code, check added
}

// departments are the issuing authorities. Chars 3–4 of their credit codes
// are the province: 51 for Sichuan bodies, others for the non-local ones.
var departments = []department{
	{"四川省公安厅", "510000", roleProvince, "00820351"},
	{"四川省自然资源厅", "510000", roleProvince, "00820460"},
	{"四川省市场监督管理局", "510000", roleProvince, "00820577"},
	{"成都市公安局", "510100", roleProvince, "00980112"},
	{"成都市公安局锦江区分局", "510104", rolePolice, "00980203"},
	{"成都市公安局青羊区分局", "510105", rolePolice, "00980211"},
	{"成都市公安局金牛区分局", "510106", rolePolice, "00980220"},
	{"成都市公安局武侯区分局", "510107", rolePolice, "00980238"},
	{"成都市公安局成华区分局", "510108", rolePolice, "00980246"},
	{"成都市公安局龙泉驿区分局", "510112", rolePolice, "00980254"},
	{"成都市公安局双流区分局", "510116", rolePolice, "00980262"},
	{"成都市公安局郫都区分局", "510117", rolePolice, "00980270"},
	{"绵阳市公安局涪城区分局", "510703", rolePolice, "45071133"},
	{"绵阳市公安局游仙区分局", "510704", rolePolice, "45071141"},
	{"南充市公安局顺庆区分局", "511302", rolePolice, "45130267"},
	{"南充市公安局高坪区分局", "511303", rolePolice, "45130275"},
	{"德阳市公安局旌阳区分局", "510603", rolePolice, "45060389"},
	{"宜宾市公安局翠屏区分局", "511502", rolePolice, "45150394"},
	{"西昌市公安局", "513401", rolePolice, "45340118"},
	{"成都市公安局交通管理局", "510100", roleTraffic, "00980327"},
	{"绵阳市公安局交通警察支队", "510700", roleTraffic, "45070322"},
	{"南充市公安局交通警察支队", "511300", roleTraffic, "45130339"},
	{"德阳市公安局交通警察支队", "510600", roleTraffic, "45060346"},
	{"宜宾市公安局交通警察支队", "511500", roleTraffic, "45150352"},
	{"凉山州公安局交通警察支队", "513400", roleTraffic, "45340365"},
	{"成都市市场监督管理局", "510100", roleMarket, "00980431"},
	{"成都市武侯区市场监督管理局", "510107", roleMarket, "00980448"},
	{"成都市锦江区市场监督管理局", "510104", roleMarket, "00980456"},
	{"成都市成华区市场监督管理局", "510108", roleMarket, "00980464"},
	{"绵阳市市场监督管理局", "510700", roleMarket, "45070437"},
	{"南充市市场监督管理局", "511300", roleMarket, "45130441"},
	{"德阳市市场监督管理局", "510600", roleMarket, "45060453"},
	{"宜宾市市场监督管理局", "511500", roleMarket, "45150469"},
	{"成都市规划和自然资源局", "510100", roleLand, "00980537"},
	{"绵阳市自然资源和规划局", "510700", roleLand, "45070541"},
	{"南充市自然资源和规划局", "511300", roleLand, "45130553"},
	{"德阳市自然资源和规划局", "510600", roleLand, "45060566"},
	{"宜宾市自然资源和规划局", "511500", roleLand, "45150572"},
	{"成都市锦江区民政局", "510104", roleCivil, "00980641"},
	{"成都市青羊区民政局", "510105", roleCivil, "00980658"},
	{"成都市金牛区民政局", "510106", roleCivil, "00980666"},
	{"成都市武侯区民政局", "510107", roleCivil, "00980674"},
	{"成都市成华区民政局", "510108", roleCivil, "00980682"},
	{"绵阳市涪城区民政局", "510703", roleCivil, "45070658"},
	{"南充市顺庆区民政局", "511302", roleCivil, "45130661"},
	{"德阳市旌阳区民政局", "510603", roleCivil, "45060675"},
	{"宜宾市翠屏区民政局", "511502", roleCivil, "45150683"},
	{"西昌市民政局", "513401", roleCivil, "45340697"},
	// Other provinces: their certificates are non-local to a Sichuan node.
	{"四川省公安厅出入境管理局", "510000", roleEmigrant, "00820393"},
	{"北京市公安局朝阳分局", "110105", rolePolice, "00011025"},
	{"北京市公安局海淀分局", "110108", rolePolice, "00011033"},
	{"北京市公安局出入境管理总队", "110000", roleEmigrant, "00011041"},
	{"上海市公安局浦东分局", "310115", rolePolice, "00231136"},
	{"上海市公安局出入境管理局", "310000", roleEmigrant, "00231144"},
	{"广州市公安局天河区分局", "440106", rolePolice, "00440128"},
	{"广东省公安厅出入境管理局", "440000", roleEmigrant, "00440136"},
	{"重庆市公安局渝中区分局", "500103", rolePolice, "00500116"},
	{"重庆市公安局渝北区分局", "500112", rolePolice, "00500124"},
	{"重庆市公安局出入境管理总队", "500000", roleEmigrant, "00500132"},
	{"昆明市公安局五华分局", "530102", rolePolice, "00530117"},
	{"云南省公安厅出入境管理总队", "530000", roleEmigrant, "00530125"},
}

// surnames are common Han surnames in rough frequency order (earlier ones
// are drawn more often), with two compound surnames.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
	"罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
	"潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟",
	"谭", "陆", "汪", "范", "廖", "贾", "夏", "付", "方", "白", "邹", "熊", "秦", "邱", "江", "尹", "雷", "侯",
	"龙", "陶", "贺", "毛", "龚", "万", "严", "向", "欧阳", "司马",
}

// maleGiven and femaleGiven are characters of given names.
var (
	maleGiven   = []rune("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨亮成志建国海峰东文博睿")
	femaleGiven = []rune("芳娜敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪倩婷颖慧莉璐瑶怡欣佳雯蕾晶洁琪梦雅")
	// rareGiven are characters outside the common set, including one from
	// CJK Extension B (𠈌, U+2020C, four bytes in UTF-8) and one from
	// Extension A (䶮), so storage proves it handles utf8mb4.
	rareGiven = []string{"𠈌", "䶮", "堃", "喆", "玥", "燊", "赟", "昇", "淼", "犇"}
)

// nations are 民族 as written on an ID card, Han first and by far the most
// frequent; the others are the larger minorities of Sichuan.
var nations = []string{"汉", "彝", "藏", "羌", "回", "土家", "苗"}

// streets are road names for addresses.
var streets = []string{
	"人民南路", "人民北路", "科华北路", "一环路南三段", "二环路西一段", "天府大道北段", "蜀都大道", "玉林路",
	"建设路", "光华大道", "红星路", "府河路", "青年路", "长江路", "滨江路", "临江路", "解放路", "和平路",
	"文化路", "新华大道", "西大街", "东大街", "南街", "北街", "学府路", "创业路", "锦绣路", "桂溪路",
}

// tradeNames and industries make company names like 成都锦程科技有限公司.
var (
	tradeNames = []string{
		"锦程", "蜀风", "天府", "熊猫", "川渝", "峨眉", "青城", "巴蜀", "锦绣", "金沙", "银杏", "芙蓉", "岷江",
		"嘉陵", "浣花", "宽窄", "都江", "西岭", "龙泉", "蓉城", "涪江", "华西", "天成", "恒信", "鼎盛", "宏达",
		"瑞丰", "汇通", "博远", "启明", "星河", "云帆", "智联", "新锐", "德源", "福泰", "长虹", "九洲", "川投",
	}
	industries = []struct{ name, scope string }{
		{"科技", "软件开发；信息技术咨询服务；数据处理和存储支持服务"},
		{"信息技术", "信息系统集成服务；计算机软硬件及辅助设备零售"},
		{"餐饮管理", "餐饮服务；餐饮管理；食品销售"},
		{"食品", "食品生产；食品销售；农副产品销售"},
		{"商贸", "日用百货销售；五金产品批发；建筑材料销售"},
		{"建筑工程", "建设工程施工；住宅室内装饰装修；园林绿化工程施工"},
		{"物流", "道路货物运输；国内货物运输代理；普通货物仓储服务"},
		{"文化传媒", "广告设计、代理；组织文化艺术交流活动；会议及展览服务"},
		{"农业开发", "谷物种植；蔬菜种植；农产品的生产、销售、加工、运输、贮藏"},
		{"医药", "药品零售；医疗器械销售；保健食品销售"},
		{"火锅", "餐饮服务；食品销售；餐饮管理"},
		{"茶业", "茶叶种植；茶具销售；食品销售"},
	}
	companyForms = []string{"有限公司", "有限责任公司", "股份有限公司"}
	companyTypes = []string{"有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)", "其他有限责任公司", "股份有限公司(非上市、自然人投资或控股)"}
)

// revokeReasons are why certificates of a type are revoked (注销).
var revokeReasons = map[string][]string{
	"居民身份证":   {"证件遗失，已补领新证", "证件损坏，已换领新证"},
	"营业执照":    {"企业申请注销登记", "吊销营业执照"},
	"机动车驾驶证":  {"驾驶证被吊销", "记分周期内累积记分满12分未参加学习考试"},
	"不动产权证书":  {"不动产转移登记，原证书注销", "不动产灭失"},
	"结婚证":     {"已办理离婚登记", "婚姻登记被依法撤销"},
	"食品经营许可证": {"经营者申请注销", "许可被依法撤回"},
	"普通护照":    {"护照遗失，已申报作废", "护照被宣布作废"},
}
