package search

import (
	"fmt"
	"strings"
)

// Deterministic synthetic cases: case number, enterprise name, unified social
// credit code, agent name.

type rng struct{ s uint64 }

func (r *rng) next() uint64 { // splitmix64
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

type city struct{ name, region string }

var (
	genCities = []city{
		{"河南", "410000"}, {"郑州", "410100"}, {"开封", "410200"}, {"洛阳", "410300"},
		{"平顶山", "410400"}, {"安阳", "410500"}, {"新乡", "410700"}, {"焦作", "410800"},
		{"许昌", "411000"}, {"南阳", "411300"}, {"信阳", "411500"}, {"周口", "411600"},
		{"北京", "110000"}, {"天津", "120000"}, {"石家庄", "130100"}, {"太原", "140100"},
		{"上海", "310000"}, {"南京", "320100"}, {"杭州", "330100"}, {"合肥", "340100"},
		{"济南", "370100"}, {"武汉", "420100"}, {"湖北", "420000"}, {"长沙", "430100"},
		{"湖南", "430000"}, {"广州", "440100"}, {"深圳", "440300"}, {"重庆", "500000"},
		{"成都", "510100"}, {"西安", "610100"},
	}
	genWords = []string{
		"信修", "恒通", "华信", "鑫源", "金桥", "宏达", "博远", "诚信", "瑞丰", "泰和",
		"嘉禾", "中原", "天成", "永盛", "兴业", "正大", "德润", "安康", "汇丰", "联创",
		"明辉", "新亚", "开元", "众诚", "同力", "佳信", "东方", "长城", "万通", "富民",
		"祥和", "广源", "凯达", "锦程", "龙腾", "盛世", "海纳", "卓越", "晨光", "豫信",
	}
	genTrades = []string{
		"信用管理", "商贸", "科技", "建筑工程", "物流", "餐饮管理", "文化传媒", "农业开发",
		"实业", "投资", "房地产开发", "电子商务", "机械设备", "医药", "环保科技", "教育咨询",
		"企业管理咨询", "供应链管理", "网络科技", "装饰工程",
	}
	genSuffixes = []string{
		"有限公司", "有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司",
		"集团有限公司", "合伙企业（有限合伙）",
	}
	genSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
	genGiven    = []string{
		"芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
		"涛", "明", "超", "霞", "平", "刚", "华", "飞", "玲", "鹏", "辉", "琳", "秀英",
		"桂英", "建国", "志强", "海燕", "晓东", "子涵", "雨欣", "浩然", "思远", "文博", "佳怡",
	}
)

const codeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// genDocs returns n docs with ids 1..n; the same n always gives the same docs.
func genDocs(n int) []Doc {
	r := &rng{s: 20260101}
	docs := make([]Doc, n)
	var sb strings.Builder
	for i := range docs {
		c := pick(r, genCities)
		name := c.name + pick(r, genWords) + pick(r, genTrades) + pick(r, genSuffixes)
		if r.intn(10) == 0 { // branch office
			name = pick(r, genCities).name + pick(r, genWords) + pick(r, genTrades) + "有限公司" + c.name + "分公司"
		}
		sb.Reset()
		sb.WriteString("91")
		sb.WriteString(c.region)
		if r.intn(10) < 7 {
			sb.WriteString("MA")
			for range 7 {
				sb.WriteByte(codeAlphabet[r.intn(len(codeAlphabet))])
			}
		} else {
			for range 9 {
				sb.WriteByte(codeAlphabet[r.intn(len(codeAlphabet))])
			}
		}
		sb.WriteByte(codeAlphabet[r.intn(len(codeAlphabet))])
		code := sb.String()
		agent := string(pick(r, genSurnames)) + pick(r, genGiven)
		docs[i] = Doc{
			ID:     uint32(i + 1),
			Fields: []string{fmt.Sprintf("XF-2026-%06d", i+1), name, code, agent},
		}
	}
	return docs
}
