// The sample platform's vocabulary: interest clusters (the latent structure of the
// synthetic users), the course topics in each, course formats, and teacher names.
// Every course belongs to exactly one cluster; its tags name the cluster and the topic.

export const CLUSTERS = [
  {
    key: 'python', tag: 'Python', name: 'Python 编程', basePrice: 199,
    topics: [['Python', 'Python'], ['Python 爬虫', '爬虫'], ['Python 自动化办公', '自动化'], ['Django Web 开发', 'Django'],
      ['Flask 后端', 'Flask'], ['Python 数据结构与算法', '算法'], ['Python 面向对象', '面向对象'], ['Python 并发编程', '并发']],
  },
  {
    key: 'frontend', tag: '前端', name: '前端开发', basePrice: 229,
    topics: [['JavaScript', 'JavaScript'], ['TypeScript', 'TypeScript'], ['Vue 3', 'Vue'], ['React', 'React'],
      ['CSS 布局', 'CSS'], ['小程序开发', '小程序'], ['Node.js', 'Node.js'], ['Web 性能优化', '性能优化']],
  },
  {
    key: 'data', tag: '数据分析', name: '数据分析与 AI', basePrice: 299,
    topics: [['Excel 数据分析', 'Excel'], ['SQL 数据查询', 'SQL'], ['Pandas 数据处理', 'Pandas'], ['机器学习', '机器学习'],
      ['深度学习', '深度学习'], ['数据可视化', '可视化'], ['统计学', '统计学'], ['大模型应用', '大模型']],
  },
  {
    key: 'kaoyan', tag: '考研', name: '考研备考', basePrice: 399,
    topics: [['考研数学', '考研数学'], ['考研英语', '考研英语'], ['考研政治', '考研政治'], ['408 计算机综合', '408'],
      ['考研复试', '复试'], ['管理类联考', '管综'], ['考研专业课', '专业课'], ['考研择校', '择校']],
  },
  {
    key: 'language', tag: '外语', name: '外语学习', basePrice: 159,
    topics: [['英语口语', '口语'], ['雅思', '雅思'], ['托福', '托福'], ['日语 N2', '日语'],
      ['商务英语', '商务英语'], ['英语语法', '语法'], ['韩语', '韩语'], ['四六级', '四六级']],
  },
  {
    key: 'career', tag: '职场', name: '职场技能', basePrice: 129,
    topics: [['PPT 设计', 'PPT'], ['Word 排版', 'Word'], ['时间管理', '时间管理'], ['高效沟通', '沟通'],
      ['项目管理 PMP', 'PMP'], ['求职面试', '面试'], ['职场写作', '写作'], ['产品经理', '产品经理']],
  },
  {
    key: 'design', tag: '设计', name: '设计与摄影', basePrice: 189,
    topics: [['Photoshop', 'Photoshop'], ['UI 设计', 'UI'], ['手机摄影', '摄影'], ['视频剪辑', '剪辑'],
      ['插画', '插画'], ['Figma', 'Figma'], ['短视频运营', '短视频'], ['Blender 3D', '3D']],
  },
  {
    key: 'finance', tag: '理财', name: '理财投资', basePrice: 99,
    topics: [['基金定投', '基金'], ['股票入门', '股票'], ['家庭理财', '家庭理财'], ['财务报表', '财报'],
      ['保险配置', '保险'], ['个人税务', '税务'], ['CFA 一级', 'CFA'], ['记账与预算', '记账']],
  },
];

// Formats: a title suffix, a level tag and a price multiplier.
export const FORMATS = [
  { suffix: '零基础入门', level: '入门', priceFactor: 0.5 },
  { suffix: '实战项目课', level: '进阶', priceFactor: 1.2 },
  { suffix: '30 天训练营', level: '训练营', priceFactor: 2.5 },
  { suffix: '进阶精讲', level: '进阶', priceFactor: 1.0 },
  { suffix: '免费公开课', level: '入门', priceFactor: 0 },
];

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '林', '何'];
export const GIVEN_NAMES = ['老师', '晓明', '思远', '雨桐', '子涵', '浩然', '静怡', '嘉怡', '一鸣', '文博', '欣然', '志强', '梓萱', '俊杰'];

export const CHANNELS = ['web', 'h5', 'app', 'mini-program'];
