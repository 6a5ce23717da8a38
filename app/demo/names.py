"""The demonstration district's names: units, county-level leaders, the 60 major projects,
and the parts the 230 reserve projects are named from. Invented, but shaped like a real
district's ledger (the seed report's 圣平岛、彰德桥 and 大白塔 appear as its own names do)."""
from __future__ import annotations

# -- units (26, all with an investment task) ----------------------------------------
# code, name, kind
TOWNSHIPS = [
    ("XZ01", "城南街道", "township"), ("XZ02", "城北街道", "township"),
    ("XZ03", "东城街道", "township"), ("XZ04", "西城街道", "township"),
    ("XZ05", "滨江街道", "township"), ("XZ06", "新桥街道", "township"),
    ("XZ07", "永兴镇", "township"), ("XZ08", "龙坪镇", "township"),
    ("XZ09", "白塔镇", "township"), ("XZ10", "石溪镇", "township"),
    ("XZ11", "桂花镇", "township"), ("XZ12", "河沙镇", "township"),
]
DEPARTMENTS = [
    ("BM01", "区发展和改革局", "department"), ("BM02", "区交通运输局", "department"),
    ("BM03", "区住房和城乡建设局", "department"), ("BM04", "区水利局", "department"),
    ("BM05", "区教育局", "department"), ("BM06", "区卫生健康局", "department"),
    ("BM07", "区经济和信息化局", "department"), ("BM08", "区农业农村局", "department"),
    ("BM09", "区文化广播电视和旅游局", "department"), ("BM10", "区自然资源和规划局", "department"),
    ("BM11", "区商务局", "department"), ("BM12", "区民政局", "department"),
    ("BM13", "区财政局", "department"), ("BM14", "区生态环境局", "department"),
]
UNITS = TOWNSHIPS + DEPARTMENTS
UNIT_NAMES = {code: name for code, name, _ in UNITS}

# Units whose projects complete enough to stay over half by June (双过半); every other
# unit is behind: the 13 with no project in the statistics database and these three.
BEHIND_WITH_PROJECTS = ("BM08", "BM09", "XZ02")

# -- county-level leaders (县级联系领导) --------------------------------------------
# name, title; the first two chair the district headquarters (三级调度)
LEADERS = [
    ("马振华", "区委书记、区重大项目建设指挥部指挥长"),
    ("何永刚", "区委副书记、区长"),
    ("李明华", "区委常委、常务副区长"),
    ("张志强", "副区长"),
    ("刘德胜", "副区长"),
    ("陈晓东", "副区长"),
    ("赵文斌", "副区长"),
    ("吴海燕", "副区长"),
    ("王建国", "区人大常委会副主任"),
    ("杨国庆", "区人大常委会副主任"),
    ("黄建平", "区政协副主席"),
    ("孙丽萍", "区政协副主席"),
]
DEMO_LEADER = "张志强"

# -- the 60 major projects (重大项目) -------------------------------------------------
# name, responsible unit, category, course of the year:
#   continuing  续建, under construction all year
#   started     计划新开工, started between February and June (StageChanged → new_start)
#   planned     计划新开工, not started by June (资金缺口、土地指标 …)
#   prelim_in   前期, but spending on land and demolition: entered into the statistics database
#   prelim      前期
MAJOR_PROJECTS = [
    ("S205线城区至永兴段改建工程", "BM02", "provincial", "continuing"),
    ("滨江大道北延线工程", "BM02", "municipal", "continuing"),
    ("龙坪至白塔旅游公路建设项目", "BM02", "key_push", "started"),
    ("城区公交枢纽站建设项目", "BM02", "district", "started"),
    ("石溪至河沙县道改造工程", "BM02", "district", "continuing"),
    ("农村公路安全生命防护工程", "BM02", "district", "prelim_in"),
    ("城北物流通道一期工程", "BM02", "key_push", "started"),
    ("圣平岛棚户区改造（一期）", "BM03", "municipal", "continuing"),
    ("彰德桥片区棚户区改造", "BM03", "key_push", "continuing"),
    ("城区老旧小区改造（2019年度）", "BM03", "district", "started"),
    ("城市地下综合管廊（一期）", "BM03", "municipal", "continuing"),
    ("城区污水处理厂提标改造工程", "BM03", "district", "continuing"),
    ("城东保障性租赁住房项目", "BM03", "district", "started"),
    ("城区生活垃圾转运站建设项目", "BM03", "district", "prelim_in"),
    ("滨江片区海绵城市建设项目", "BM03", "key_push", "continuing"),
    ("清溪河流域综合治理工程", "BM04", "provincial", "continuing"),
    ("白塔水库除险加固工程", "BM04", "district", "continuing"),
    ("城乡供水一体化（一期）工程", "BM04", "key_push", "started"),
    ("永兴灌区续建配套与节水改造", "BM04", "municipal", "continuing"),
    ("中小河流山洪灾害防治项目", "BM04", "district", "prelim_in"),
    ("区第二中学新校区建设项目", "BM05", "key_push", "continuing"),
    ("城南实验小学建设项目", "BM05", "district", "started"),
    ("区职业技术学校实训大楼", "BM05", "district", "continuing"),
    ("城北公办幼儿园建设项目", "BM05", "district", "started"),
    ("区人民医院住院综合大楼", "BM06", "provincial", "continuing"),
    ("区中医医院迁建项目", "BM06", "municipal", "started"),
    ("区疾病预防控制中心业务用房", "BM06", "district", "prelim_in"),
    ("工业集中发展区标准化厂房（三期）", "BM07", "provincial", "continuing"),
    ("锂电新材料产业园基础设施配套", "BM07", "municipal", "started"),
    ("年产5万吨食品级包装材料生产线", "BM07", "key_push", "continuing"),
    ("电子信息产业孵化园", "BM07", "key_push", "started"),
    ("天然气分布式能源站", "BM07", "district", "continuing"),
    ("智能制造装备产业园（一期）", "BM07", "key_push", "prelim_in"),
    ("高标准农田建设项目（2019年度）", "BM08", "district", "continuing"),
    ("现代农业产业园核心区建设", "BM08", "key_push", "started"),
    ("农产品冷链仓储设施建设", "BM08", "district", "prelim_in"),
    ("卧龙古镇文化旅游开发项目", "BM09", "key_push", "continuing"),
    ("滨江湿地公园（二期）", "BM09", "district", "started"),
    ("全民健身中心建设项目", "BM09", "district", "continuing"),
    ("城南商贸物流园", "BM11", "municipal", "continuing"),
    ("农村电商公共服务中心", "BM11", "district", "started"),
    ("城南片区农贸市场改造", "XZ01", "district", "continuing"),
    ("城南社区综合服务中心", "XZ01", "district", "prelim_in"),
    ("城北片区背街小巷改造", "XZ02", "district", "continuing"),
    ("永兴场镇污水处理设施建设", "XZ07", "district", "continuing"),
    ("永兴特色小镇基础设施", "XZ07", "key_push", "started"),
    ("东城片区城市更新项目", "XZ03", "municipal", "started"),
    ("东城社区卫生服务中心", "XZ03", "district", "continuing"),
    ("区应急物资储备库", "BM01", "district", "planned"),
    ("区社会福利中心", "BM12", "district", "planned"),
    ("城区养老服务综合体", "BM12", "key_push", "planned"),
    ("全域土地综合整治试点", "BM10", "district", "prelim"),
    ("乡镇生活污水治理（二期）", "BM14", "district", "planned"),
    ("西城片区道路提升改造", "XZ04", "district", "planned"),
    ("滨江社区便民服务中心", "XZ05", "district", "planned"),
    ("滨江片区公共停车场建设", "XZ05", "key_push", "planned"),
    ("龙坪场镇道路改造", "XZ08", "district", "planned"),
    ("大白塔易地扶贫搬迁安置点配套设施", "XZ09", "district", "planned"),
    ("石溪镇文化活动中心", "XZ10", "district", "planned"),
    ("桂花镇农旅融合示范园", "XZ11", "key_push", "planned"),
]

# -- the reserve (项目储备库): 补短板 projects named place + work -----------------------
RESERVE_PLACES = [
    "城南", "城北", "东城", "西城", "滨江", "新桥", "永兴", "龙坪", "白塔", "石溪", "桂花", "河沙",
    "圣平岛", "彰德桥", "大白塔", "倒碑垭", "卧龙庵", "松林", "清溪", "青龙", "观音桥", "金鱼",
    "凤凰山", "太和", "双河", "柏林", "临江", "梨园",
]
# work, responsible unit (None: the township of the place), (low, high) total investment 万元
RESERVE_WORKS = [
    ("棚户区改造", "BM03", (8000, 60000)), ("老旧小区改造", "BM03", (1500, 9000)),
    ("污水管网建设", "BM03", (800, 6000)), ("供水管网改造", "BM04", (600, 5000)),
    ("河道综合整治", "BM04", (1200, 15000)), ("山坪塘整治", "BM04", (300, 1500)),
    ("乡村道路硬化", "BM02", (500, 4000)), ("桥梁新建工程", "BM02", (1000, 8000)),
    ("客运招呼站建设", "BM02", (100, 600)), ("中心幼儿园建设", "BM05", (1200, 5000)),
    ("学校运动场改造", "BM05", (300, 1500)), ("卫生院业务用房", "BM06", (800, 4000)),
    ("村卫生室标准化建设", "BM06", (100, 500)), ("农田水利配套", "BM08", (500, 3000)),
    ("特色农业示范基地", "BM08", (800, 6000)), ("乡村旅游环线", "BM09", (1500, 12000)),
    ("文化广场建设", "BM09", (200, 1200)), ("养老服务中心", "BM12", (600, 3500)),
    ("农贸市场改造", None, (300, 2000)), ("场镇人居环境整治", None, (500, 3000)),
    ("地质灾害治理", "BM10", (300, 2500)), ("垃圾收运设施", "BM14", (200, 1500)),
    ("物流配送站点", "BM11", (300, 1800)), ("标准化厂房", "BM07", (3000, 20000)),
]
# the place of a reserve project, when it is a township's own
PLACE_TOWNSHIP = {"城南": "XZ01", "城北": "XZ02", "东城": "XZ03", "西城": "XZ04", "滨江": "XZ05",
                  "新桥": "XZ06", "永兴": "XZ07", "龙坪": "XZ08", "白塔": "XZ09", "石溪": "XZ10",
                  "桂花": "XZ11", "河沙": "XZ12", "圣平岛": "XZ05", "彰德桥": "XZ01",
                  "大白塔": "XZ09", "倒碑垭": "XZ10", "卧龙庵": "XZ10", "松林": "XZ11",
                  "清溪": "XZ08", "青龙": "XZ07", "观音桥": "XZ06", "金鱼": "XZ12",
                  "凤凰山": "XZ04", "太和": "XZ03", "双河": "XZ12", "柏林": "XZ09",
                  "临江": "XZ05", "梨园": "XZ11"}

# -- people ---------------------------------------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["伟", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英",
         "华", "平", "刚", "桂英", "建华", "文", "辉", "力", "玲", "俊", "红梅", "志刚", "春燕",
         "海涛", "小红", "德明", "晓燕", "国华", "永福", "成刚", "丽娟", "建军", "红", "斌", "霞"]
INSPECTORS = ["区纪委监委派驻纪检组 何立", "区纪委监委派驻纪检组 蒋红", "区委督查室 宋涛",
              "区政府督查室 唐敏", "区发展和改革局 田勇"]
