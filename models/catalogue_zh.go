package models

// The message catalogue: the one place where the texts callers read are
// written, keyed by the graph's error codes (codeTitles) and by each
// message's English format (catalogueZH). Both surfaces render from here —
// GraphQL in the language Accept-Language prefers, the legacy endpoints in
// Chinese — so they cannot drift.
//
// Adding an error code: add a const in errors.go and its titles here.
// Adding a message: write models.Errorf/Invalid/Say with a literal English
// format and add its Chinese text here. TestCatalogueComplete and
// TestCodeTitles fail until both are done.
//
// Chinese texts of field errors (Invalid) are predicates: they are shown
// after "参数 <field> ". Arguments keep their order; use %[n]s to reorder
// or leave out one (a library's English error, say) — a Chinese text never
// carries English words, and dates render as YYYY年MM月DD日.

// codeTitles are each error code's short name, English and Chinese; the
// legacy endpoints put the Chinese one before a failure's reason.
var codeTitles = map[string][2]string{
	EINVALID:         {"invalid input", "参数错误"},
	ENOTFOUND:        {"not found", "未找到"},
	EUNAUTHENTICATED: {"authentication failed", "身份验证失败"},
	EFORBIDDEN:       {"forbidden", "无权操作"},
	ECONFLICT:        {"conflict", "与已存数据冲突"},
	EUNAVAILABLE:     {"unavailable", "服务暂不可用"},
	EINTERNAL:        {"internal error", "内部错误"},
	ERATELIMITED:     {"rate limited", "请求过于频繁"},
}

// staticEntries are catalogue entries used other than through a literal
// format at a call site (so TestCatalogueComplete does not call them unused).
var staticEntries = map[string]bool{
	"internal error": true,
}

var catalogueZH = map[string]string{
	// hardening (issue 11): rate limits, hosts, departments, faults
	"account %s made too many requests; try again in %ds":                                                  "账号 %s 请求次数超过上限，请 %d 秒后再试",
	"account %s has used its lookups by holder code (analyst accounts see codes masked); try again in %ds": "账号 %s 按持证主体代码查询的次数已用完（分析账号只能看到脱敏代码），请 %d 秒后再试",
	"too many registrations from %s; try again in %ds":                                                     "来自 %s 的注册次数超过上限，请 %d 秒后再试",
	"too many requests from this address; try again in %d s":                                               "来自本地址的请求次数超过上限，请 %d 秒后再试",
	"the request's Host header is not a host name":                                                         "请求头 Host 不是有效的主机名",
	"links are not made for host %q: it is not in --allowed-hosts and no --public-url is set":              "不为主机 %q 生成链接：该主机不在允许的主机列表中，且未配置公开地址",
	"account %s's department %s is not confirmed: an admin confirms it with approveAccount":                "账号 %s 的部门 %s 尚未经管理员确认（管理员通过审批账号确认部门）",
	"the account that made this link is no longer approved; the link is void":                              "生成该链接的账号已不再有效，链接作废",
	"is required: %s is valid both as a 公民身份号码 and as a 统一社会信用代码 (give 111 or 001)":                        "为必填项：%s 既是有效的公民身份号码又是有效的统一社会信用代码（请填 111 或 001）",
	"is not a 统一社会信用代码: %s":                                                                                "不是有效的统一社会信用代码：%s",
	"Date must be a string YYYY-MM-DD, got %T":                                                             "日期应为 YYYY-MM-DD 格式的字符串",
	"%q is not a date (want YYYY-MM-DD or YYYY年MM月DD日)":                                                    "%q 不是有效日期（应为 YYYY-MM-DD 或 YYYY年MM月DD日）",
	"Time must be an RFC 3339 string, got %T":                                                              "时间应为 RFC 3339 格式的字符串",
	"%q is not a time (want RFC 3339, e.g. 2026-11-28T08:00:00+08:00)":                                     "%q 不是有效时间（应为 RFC 3339 格式，例如 2026-11-28T08:00:00+08:00）",
	"the database does not answer; try again later":                                                        "数据库暂无响应，请稍后重试",
	"%s":             "%s",
	"internal error": "内部错误，详情已记入日志",

	// Credentials and roles (resolvers/auth.go, account.go).
	"missing access token":                                           "缺少访问令牌",
	"access token is not valid":                                      "访问令牌无效",
	"%s %q does not match the access token":                          "%s %q 与访问令牌不符",
	"account %s is pending approval":                                 "账号 %s 尚待审批",
	"account %s has been revoked":                                    "账号 %s 已被注销",
	"access token expired at %s":                                     "访问令牌已于 %s 过期",
	"account %s needs one of the roles %v":                           "账号 %s 需具备以下角色之一：%v",
	"request has no credentials state":                               "请求缺少身份状态",
	"no account %q":                                                  "账号 %q 不存在",
	"account %s is revoked and cannot be approved; register again":   "账号 %s 已注销，不能审批；请重新注册",
	"account %s is revoked":                                          "账号 %s 已注销",
	"an admin cannot revoke its own account":                         "管理员不能注销自己的账号",
	"only admins rotate another account's token":                     "只有管理员可以更换其他账号的令牌",
	"at least one role is required":                                  "至少需要一个角色",
	"account %s is the last admin; give another account ADMIN first": "账号 %s 是最后一个管理员；请先授予其他账号 ADMIN 角色",
	"account %s may not change certificate %s: only admins and issuers of department %s may": "账号 %s 无权修改证照 %s：只有管理员和部门 %s 的签发账号可以修改",
	"analyst accounts do not download layout files":                                          "分析账号不能下载版式文件",
	"analyst accounts do not see certificate surfaces":                                       "分析账号不能查看证照照面",
	"the access audit cannot be written; the read was refused":                               "访问审计无法写入，已拒绝本次读取",

	// Input fields (predicates after "参数 <field> ").
	"is required":                                   "为必填项",
	"is empty":                                      "为空",
	"is longer than 64 characters":                  "超过 64 个字符",
	"is longer than 200 characters":                 "超过 200 个字符",
	"is longer than 500 characters":                 "超过 500 个字符",
	"is %d characters long, at most %d allowed":     "长 %d 个字符，最多允许 %d 个",
	"is %d characters long, at most 100 allowed":    "长 %d 个字符，最多允许 100 个",
	"contains white space":                          "含有空白字符",
	"is before %s":                                  "早于 %s",
	"cannot be given together with %s":              "不能与 %s 同时给出",
	"must be between 0 and %d, got %d":              "应在 0 到 %d 之间，实为 %d",
	"must be between 0 and 36500, got %d":           "应在 0 到 36500 之间，实为 %d",
	"is not a cursor returned by this listing":      "不是本列表返回的游标",
	"%q is not a 2-digit province code (GB/T 2260)": "的值 %q 不是两位省级行政区划代码（GB/T 2260）",
	"%q is not a certificate type in the catalogue": "的值 %q 不是目录中的证照类型",
	"%q is not a holder code type (GB/T 36903-2018 附录A, e.g. 111 公民身份号码, 001 统一社会信用代码)": "的值 %q 不是持证主体代码类型（GB/T 36903-2018 附录A，如 111 公民身份号码、001 统一社会信用代码）",
	"%q is not a useFor (01, 02, 03 or 99)":     "的值 %q 不是事由代码（01、02、03 或 99）",
	"is not valid: %s":                          "无效：%s",
	"is not a valid certificate identifier: %s": "不是有效的电子证照标识：%s",
	"%q is not an IP address":                   "的值 %q 不是 IP 地址",
	"%q is not pdf or ofd":                      "的值 %q 不是 pdf 或 ofd",
	"%q is not picture or string":               "的值 %q 不是 picture 或 string",
	"as a 公民身份号码: %s":                           "不是有效的公民身份号码：%s",
	"as a 统一社会信用代码: %s":                         "不是有效的统一社会信用代码：%s",
	"is required for a code that is neither a 公民身份号码 nor a 统一社会信用代码": "必填：持证主体代码既不是公民身份号码也不是统一社会信用代码",
	"header is required to resolve Certificate entities: %s":         "请求头为解析证照实体所必需：%s",
	"cannot be drawn as %s: %v":                                "无法绘制为 %[1]s 码",
	"%s differs from the department's code %s":                 "%s 与部门代码 %s 不一致",
	"%s is before certificateValidateStart %s":                 "%s 早于 certificateValidateStart %s",
	"issuer code %s differs from issueDeptCode %s":             "中的颁发机构代码 %s 与 issueDeptCode %s 不一致",
	"type code %s differs from the certificate type's code %s": "中的证照类型代码 %s 与证照类型代码 %s 不一致",
	"is a picture but not base64: %v":                          "是图片，但不是有效的 base64 编码",

	// Layout files (internal/issuing/file.go, resolvers/verify.go).
	"is %d bytes, larger than the limit of %d":          "大小为 %d 字节，超过上限 %d 字节",
	"is larger than the limit of %d bytes":              "超过 %d 字节的上限",
	"is not a PDF file (no %%PDF- header)":              "不是 PDF 文件（缺少 %%PDF- 文件头）",
	"is not an OFD file: %v":                            "不是 OFD 文件（文件包结构无法读取）",
	"is not valid base64: %v":                           "不是有效的 base64 编码",
	"was refused: %[1]v":                                "已被拒绝：超出解析预算 %[2]s（上限 %[3]d）",
	"was refused for its document type declaration: %v": "已被拒绝：文件包含有文档类型声明（DTD），OFD 不使用，也不接受实体定义",
	"is not a readable PDF: %v":                         "不是可读取的 PDF 文件（文件结构无法解析）",
	"is not a readable OFD package: %v":                 "不是可读取的 OFD 文件包（文件结构无法解析）",

	// Identifiers (internal/ident): reasons after "不是有效的…：" or a field.
	"wrong length (got %d, want %d)":                                                                     "长度错误（实为 %d 位，应为 %d 位）",
	"wrong check character (got %c, want %c)":                                                            "校验码错误（实为 %c，应为 %c）",
	"invalid character %s at position %d":                                                                "第 %[2]d 位字符 %[1]s 无效",
	"invalid character %s at position %d (want a digit)":                                                 "第 %[2]d 位字符 %[1]s 无效（应为数字）",
	"invalid character %s at position %d (I, O, S, V and Z are not used)":                                "第 %[2]d 位字符 %[1]s 无效（不使用 I、O、S、V、Z）",
	"invalid character %s at position %d (letters must be upper case)":                                   "第 %[2]d 位字符 %[1]s 无效（字母须为大写）",
	"invalid character %s at position 18 (want a digit or X)":                                            "第 18 位字符 %s 无效（应为数字或 X）",
	"invalid character 'x' at position 18 (the check character X must be upper case)":                    "第 18 位字符 'x' 无效（校验码 X 须为大写）",
	"implausible birth date %s in characters 7–14 (not a calendar date YYYYMMDD)":                        "第 7–14 位的出生日期 %s 不合理（不是有效的 YYYYMMDD 日期）",
	"implausible birth date %s in characters 7–14 (before %d)":                                           "第 7–14 位的出生日期 %s 不合理（早于 %d 年）",
	"implausible birth date %s in characters 7–14 (in the future)":                                       "第 7–14 位的出生日期 %s 不合理（晚于今天）",
	"does not start with the root %s.":                                                                   "不以根 %s. 开头",
	"has %d dot-separated parts after the root, want 5 (type code, issuer code, serial, version, check)": "根之后有 %d 段（以点分隔），应为 5 段（证照类型代码、颁发机构代码、顺序号、版本号、校验位）",
	"check part has wrong length (got %d, want 1)":                                                       "校验位长度错误（实为 %d 位，应为 1 位）",
	"invalid check character %s (want 0-9 or A-Z)":                                                       "校验位 %s 无效（应为 0-9 或 A-Z）",
	"serial is empty": "顺序号为空",
	"serial has invalid character %s at position %d (want 0-9 or A-Z)": "顺序号第 %[2]d 位字符 %[1]s 无效（应为 0-9 或 A-Z）",

	// Encrypted identifiers (resolvers/encrypted.go).
	"the encrypted identifier is empty":                                             "加密证照标识为空",
	"the encrypted identifier has expired (%v)":                                     "加密证照标识已过期",
	"the encrypted identifier was altered or forged (%v)":                           "加密证照标识被篡改或伪造",
	"the encrypted identifier was made with a key this platform no longer has (%v)": "加密证照标识由本平台已不再持有的密钥生成",
	"the encrypted identifier is malformed or truncated (%v)":                       "加密证照标识格式错误或不完整",

	// Certificates and files.
	"no certificate %s":                                                 "证照 %s 不存在",
	"certificate %s was already revoked on %s":                          "证照 %s 已于 %s 注销",
	"certificate %s references a missing holder or department":          "证照 %s 引用的持证主体或部门不存在",
	"%s %q referenced but missing":                                      "引用的%s %q 不存在",
	"the file no longer exists":                                         "文件已不存在",
	"the file has changed since this link was made; ask for a new link": "文件在生成此链接后已变更，请重新申请链接",
	"the certificate no longer exists":                                  "证照已不存在",

	// Certificate states (verification reasons, download refusals).
	"the certificate is valid":              "证照在有效期内，未被注销",
	"the certificate was revoked on %s: %s": "证照已注销（注销日期 %s），注销原因：“%s”",
	"the certificate expired on %s":         "证照已过期（有效期截至 %s）",
	"the certificate is valid only from %s": "证照尚未生效（自 %s 起有效）",

	// 6.5.1 verification by fields (resolvers/verify.go).
	"no certificate of this holder is stored here":          "本平台没有该持证主体的证照",
	"no certificate of this holder and type is stored here": "本平台没有该持证主体该类型的证照",
	"%s does not match": "%s 与证照不符",
	"no certificate of the holder matches every given field (e.g. %s)":          "该持证主体没有与全部所给字段都相符的证照（例如 %s）",
	"every given field matches certificate %s, which is valid":                  "所给字段与证照 %s 全部相符，该证照有效",
	"%d certificates match every given field; %s is valid":                      "共 %d 本证照与所给字段全部相符，其中证照 %s 有效",
	"%d certificates match every given field and none is valid; the newest: %s": "共 %d 本证照与所给字段全部相符，但没有一本有效；最新一本：%s",

	// 6.5.2 verification by layout file (resolvers/verify.go).
	"the file's digest (SHA-256 %s) matches no certificate file issued here":                                         "文件摘要（SHA-256 %s）与本平台签发的任何证照文件都不相符",
	"the file was issued for certificate %s, which no longer exists":                                                 "该文件签发给证照 %s，但该证照已不存在",
	"the file is the layout file of certificate %s: %s":                                                              "该文件是证照 %s 的版式文件：%s",
	"verified: the file is an issued certificate's layout file, the certificate is valid, and its signatures verify": "核验通过：该文件是本平台签发的证照版式文件，证照有效，签章验证通过",
	"not verified: %s; and the signatures do not verify: %s":                                                         "核验未通过：%s；且签章验证未通过：%s",
	"not verified: the signatures do not verify: %s":                                                                 "核验未通过：签章验证未通过：%s",
	"not verified: %s":                              "核验未通过：%s",
	"signature %d (signer %s): %s":                  "第 %d 个签章（签署者“%s”）：%s",
	"no signature":                                  "文件没有签名",
	"signature %d of %d is invalid":                 "第 %d 个签名（共 %d 个）无效",
	"the file was changed after the last signature": "文件在最后一次签名之后被改动",
	"%d signature(s) valid and the file is unchanged since the last signature":     "签名有效（共 %d 个），文件在最后一次签名后未被改动",
	"%d signature(s) valid and the file is unchanged since the last signature; %s": "签名有效（共 %d 个），文件在最后一次签名后未被改动；%s",
	"the signature value verifies over the signed bytes":                           "签名值验证通过，签名覆盖的内容未被改动",
	"the signature value does not verify or the signed bytes were changed":         "签名值验证失败或签名覆盖的内容被改动",
	"the signer certificate chains to a trusted root":                              "签名证书可追溯到受信任的根证书",
	"the signer certificate is not trusted":                                        "签名证书不受信任",
	"the signer certificate's trust was not checked":                               "未检查签名证书是否受信任",
	"the signer certificate has expired":                                           "签名证书已过期",
	"no signature could be read from the package":                                  "文件包中没有可读取的签章",
	"%d of %d seals or signatures are invalid":                                     "%d 个签章无效（共 %d 个）",
	"the package's signature lists could not all be read":                          "文件包的签章列表未能全部读取",
	"%d seal(s) or signature(s) valid: every protected file is intact":             "签章有效（共 %d 个），受保护的文件均未被改动",
	"seal intact: every reference and the signature verify":                        "签章完好：所有受保护文件的摘要与签名值均验证通过",
	"the protected file %s was changed or is missing":                              "受保护的文件 %s 被改动或缺失",
	"a protected file was changed or is missing":                                   "受保护的文件被改动或缺失",
	"the signature description (Signature.xml) was changed":                        "签章描述文件（Signature.xml）被改动",
	"the SM2 signature value does not verify":                                      "SM2 签名值验证失败",
	"the seal maker's signature does not verify":                                   "印章制作者的签名验证失败",
	"the signer certificate is not listed in the seal":                             "签名证书不在印章的授权签章人列表中",
	"the seal is not valid":                                                        "签章无效",
	// national exchange and catalogue
	"%q appears twice in the template": "%q 在模板中出现了两次",
	"%q is not PERSON or ORGANISATION": "%q 不是 PERSON（自然人）或 ORGANISATION（组织）",
	"%q is not a certificate type code (an 18-character 统一社会信用代码 and 3 digits, e.g. 11100000000013338W032)":   "%q 不是证照类型代码（应为 18 位统一社会信用代码加 3 位数字，如 11100000000013338W032）",
	"%q is not a province code (two digits, not 00)":                                                          "%q 不是省级行政区划代码（两位数字，不能是 00）",
	"%q is not an http(s) base URL":                                                                           "%q 不是 http(s) 基础地址",
	"%q is not string or picture":                                                                             "%q 不是 string 或 picture",
	"%q: a node not on loopback must be reached over https":                                                   "%q：不在本机回环地址上的节点必须使用 https 访问",
	"%q: the defining body's code: %v":                                                                        "%[1]q：定义机构的统一社会信用代码无效",
	"account %s is already bound to region %s":                                                                "账号 %s 已绑定到地区 %s",
	"account %s is bound to no region: an admin of the hub must admitNode it":                                 "账号 %s 未绑定任何地区：须由全国平台管理员通过 admitNode 接入",
	"account %s is not the account admitted for region %s":                                                    "账号 %s 不是地区 %s 已接入的账号",
	"account %s was revoked; register a new one":                                                              "账号 %s 已被注销，请重新注册",
	"is required (true when this province issues the type)":                                                   "为必填项（本省签发该类证照时为 true）",
	"key id %s of region %s was registered with another certificate; a new key needs a new id":                "地区 %[2]s 的密钥标识 %[1]s 已登记了另一张证书；新密钥须使用新的标识",
	"must be 1–100 characters":                                                                                "长度应为 1 到 100 个字符",
	"must be between 1 and 10000":                                                                             "应在 1 到 10000 之间",
	"no key id (1–64 characters) for the signing certificate":                                                 "签名证书缺少密钥标识（1 到 64 个字符）",
	"no node is registered for region %s":                                                                     "地区 %s 没有已登记的节点",
	"no signing key %q for region %s":                                                                         "地区 %[2]s 没有签名密钥 %[1]q",
	"node %s vanished after registering":                                                                      "节点 %s 登记后即不复存在",
	"not a PEM certificate":                                                                                   "不是 PEM 格式的证书",
	"not an X.509 certificate: %v":                                                                            "不是有效的 X.509 证书",
	"region %s is registered at %s; moving it to %s needs an admin to admit the node again":                   "地区 %s 的节点登记在 %s；迁移到 %s 须由管理员重新接入",
	"request has no state":                                                                                    "请求缺少上下文状态",
	"the account the hub is to call this node with is missing or longer than 32 characters":                   "缺少全国平台调用本节点所用的账号，或其长度超过 32 个字符",
	"the calling account is bound to no province (%q): an admin must admit it first":                          "调用账号未绑定任何省份（%q）：须先由管理员接入",
	"the encrypted identifier is malformed: %v":                                                               "加密证照标识格式错误",
	"the hub has no holder digest key":                                                                        "全国平台缺少持证主体摘要密钥",
	"the name %q is already type %s's":                                                                        "名称 %q 已被证照类型 %s 使用",
	"the token the hub is to call this node with is missing or longer than 256 characters":                    "缺少全国平台调用本节点所用的令牌，或其长度超过 256 个字符",
	"this is a provincial node (region %s); only the national hub (--mode hub) keeps nodes and the directory": "本平台是省级节点（地区 %s）；只有全国平台（--mode hub）登记节点、保存目录",
	"type %s is issued to %s in %d stored certificates; its holder kind cannot become %s":                     "证照类型 %[1]s 已有 %[3]d 张证照按 %[2]s 签发，其持证主体类别不能改为 %[4]s",
	"the national platform (00) cannot answer now: %s":                                                        "全国平台（00）暂时无法应答",
	"the platform of region %s cannot answer now: %s":                                                         "地区 %[1]s 的平台暂时无法应答",
}
