package store

import "certgraph/models"

// HolderTypes is the 持证主体代码类型 catalogue (GB/T 36903-2018 附录A),
// seeded by migration 2.
var HolderTypes = []models.HolderType{
	{Code: "001", Name: "统一社会信用代码", Kind: models.KindOrganisation},
	{Code: "099", Name: "其他法人或其他组织有效证件代码", Kind: models.KindOrganisation},
	{Code: "111", Name: "公民身份号码", Kind: models.KindPerson},
	{Code: "114", Name: "中国人民解放军军官证编号", Kind: models.KindPerson},
	{Code: "115", Name: "中国人民武装警察部队警官证编号", Kind: models.KindPerson},
	{Code: "118", Name: "中国人民解放军士兵证编号", Kind: models.KindPerson},
	{Code: "119", Name: "中国人民武装警察部队士兵证编号", Kind: models.KindPerson},
	{Code: "120", Name: "中国人民解放军文职人员证编号", Kind: models.KindPerson},
	{Code: "122", Name: "中国人民武装警察部队文职人员证编号", Kind: models.KindPerson},
	{Code: "411", Name: "外交护照号", Kind: models.KindPerson},
	{Code: "412", Name: "公务护照号", Kind: models.KindPerson},
	{Code: "413", Name: "公务普通护照号", Kind: models.KindPerson},
	{Code: "414", Name: "普通护照号", Kind: models.KindPerson},
	{Code: "511", Name: "台湾居民来往大陆通行证号码", Kind: models.KindPerson},
	{Code: "516", Name: "港澳居民来往内地通行证号码", Kind: models.KindPerson},
	{Code: "999", Name: "其他自然人有效证件代码", Kind: models.KindPerson},
}

// Regions are the province-level divisions of GB/T 2260, seeded by migration 2.
var Regions = []models.Region{
	{Code: "11", Name: "北京市"}, {Code: "12", Name: "天津市"}, {Code: "13", Name: "河北省"}, {Code: "14", Name: "山西省"},
	{Code: "15", Name: "内蒙古自治区"}, {Code: "21", Name: "辽宁省"}, {Code: "22", Name: "吉林省"}, {Code: "23", Name: "黑龙江省"},
	{Code: "31", Name: "上海市"}, {Code: "32", Name: "江苏省"}, {Code: "33", Name: "浙江省"}, {Code: "34", Name: "安徽省"},
	{Code: "35", Name: "福建省"}, {Code: "36", Name: "江西省"}, {Code: "37", Name: "山东省"}, {Code: "41", Name: "河南省"},
	{Code: "42", Name: "湖北省"}, {Code: "43", Name: "湖南省"}, {Code: "44", Name: "广东省"}, {Code: "45", Name: "广西壮族自治区"},
	{Code: "46", Name: "海南省"}, {Code: "50", Name: "重庆市"}, {Code: "51", Name: "四川省"}, {Code: "52", Name: "贵州省"},
	{Code: "53", Name: "云南省"}, {Code: "54", Name: "西藏自治区"}, {Code: "61", Name: "陕西省"}, {Code: "62", Name: "甘肃省"},
	{Code: "63", Name: "青海省"}, {Code: "64", Name: "宁夏回族自治区"}, {Code: "65", Name: "新疆维吾尔自治区"},
	{Code: "71", Name: "台湾省"}, {Code: "81", Name: "香港特别行政区"}, {Code: "82", Name: "澳门特别行政区"},
}

func str(name, column string) models.SurfaceField {
	return models.SurfaceField{Name: name, ColumnName: column, ValueType: models.ValueString}
}

func pic(name, column string) models.SurfaceField {
	return models.SurfaceField{Name: name, ColumnName: column, ValueType: models.ValuePicture}
}

// CertificateTypes is the demo 证照目录: demo data (internal/seed) and tests
// bring it; migration 2 once seeded it into every database, and migration 6
// removed it again where no certificate used it (the catalogue is data an
// admin defines). Type codes follow ZWFW C 0123's form (defining body's
// credit code + 3 digits).
var CertificateTypes = []models.CertificateType{
	{Code: "11100000000013338W001", Name: "居民身份证", HolderKind: models.KindPerson, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("姓名", "xm"), str("性别", "xb"), str("民族", "mz"), str("出生", "csrq"), str("住址", "zz"),
		str("公民身份号码", "gmsfhm"), str("签发机关", "qfjg"), pic("照片", "zp"),
	}},
	{Code: "11100000000013338W011", Name: "营业执照", HolderKind: models.KindOrganisation, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("统一社会信用代码", "tyshxydm"), str("名称", "mc"), str("类型", "lx"), str("法定代表人", "fddbr"),
		str("注册资本", "zczb"), str("成立日期", "clrq"), str("住所", "zs"), str("经营范围", "jyfw"), pic("登记机关印章", "djjgyz"),
	}},
	{Code: "11100000000013338W032", Name: "机动车驾驶证", HolderKind: models.KindPerson, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("姓名", "xm"), str("性别", "xb"), str("国籍", "gj"), str("住址", "zz"), str("出生日期", "csrq"),
		str("初次领证日期", "cclzrq"), str("准驾车型", "zjcx"), pic("照片", "zp"),
	}},
	{Code: "11100000000013338W045", Name: "不动产权证书", HolderKind: models.KindPerson, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("权利人", "qlr"), str("共有情况", "gyqk"), str("坐落", "zl"), str("不动产单元号", "bdcdyh"),
		str("权利类型", "qllx"), str("权利性质", "qlxz"), str("用途", "yt"), str("面积", "mj"), str("使用期限", "syqx"),
	}},
	{Code: "11100000000013338W050", Name: "结婚证", HolderKind: models.KindPerson, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("持证人", "czr"), str("登记日期", "djrq"), str("结婚证字号", "jhzzh"), str("男方姓名", "nfxm"),
		str("女方姓名", "vfxm"), str("男方身份证件号", "nfsfzjh"), str("女方身份证件号", "vfsfzjh"), pic("合影", "hy"),
	}},
	{Code: "11100000000013338W063", Name: "食品经营许可证", HolderKind: models.KindOrganisation, Local: true, SurfaceTemplate: []models.SurfaceField{
		str("经营者名称", "jyzmc"), str("社会信用代码", "shxydm"), str("法定代表人", "fddbr"), str("住所", "zs"),
		str("经营场所", "jycs"), str("主体业态", "ztyt"), str("经营项目", "jyxm"), str("许可证编号", "xkzbh"),
	}},
	{Code: "11100000000013338W077", Name: "普通护照", HolderKind: models.KindPerson, Local: false, SurfaceTemplate: []models.SurfaceField{
		str("姓名", "xm"), str("性别", "xb"), str("出生日期", "csrq"), str("出生地点", "csdd"), str("护照号", "hzh"), pic("照片", "zp"),
	}},
}

// RegionName is the name of the province with code (e.g. 51 → 四川省) from
// the regions catalogue, or the code itself when the catalogue lacks it.
func RegionName(code string) string {
	for _, r := range Regions {
		if r.Code == code {
			return r.Name
		}
	}
	return code
}
