import type { CommunityCategory } from '../src/features/communities/categories.js';
import type { Motif } from './demo-images.js';

// What the demo network says: a dozen members, who knows whom, their diaries, communities and
// messages. Members are named by their index in DEMO_MEMBERS (seeds/demo.ts); times are hours ago.

export type Nick =
  | 'さくら'
  | 'たろう'
  | 'はなこ'
  | 'Ken'
  | 'みゆき'
  | 'けんじ'
  | 'あおい'
  | 'ゆうた'
  | 'まゆみ'
  | 'しょうへい'
  | 'なつみ'
  | 'こうじ';

/** Profile fields and the avatar of each member, in DEMO_MEMBERS order. */
export const PROFILES: {
  nick: Nick;
  gender: 'female' | 'male';
  prefecture: number;
  hobbies: string;
  occupation: string;
  intro: string;
  motif: Motif;
}[] = [
  {
    nick: 'さくら',
    gender: 'female',
    prefecture: 13,
    hobbies: '猫、散歩、写真',
    occupation: 'デザイナー',
    intro: 'はじめまして、さくらです。\n週末は猫と公園を散歩しています。',
    motif: 'cat',
  },
  {
    nick: 'たろう',
    gender: 'male',
    prefecture: 14,
    hobbies: '街歩き、写真、古い喫茶店',
    occupation: '会社員',
    intro: '湘南の海の近くに住んでいます。鎌倉の寺めぐりが好きです。',
    motif: 'sea',
  },
  {
    nick: 'はなこ',
    gender: 'female',
    prefecture: 27,
    hobbies: '食べ歩き、カフェ',
    occupation: '販売',
    intro: '大阪生まれ大阪育ち。おいしいお店の情報、交換しましょう！',
    motif: 'flower',
  },
  {
    nick: 'Ken',
    gender: 'male',
    prefecture: 40,
    hobbies: 'ギター、ラーメン',
    occupation: 'エンジニア',
    intro: '福岡でエンジニアをしています。最近あしあとを始めました。',
    motif: 'note',
  },
  {
    nick: 'みゆき',
    gender: 'female',
    prefecture: 14,
    hobbies: 'ランニング、ヨガ',
    occupation: '看護師',
    intro: '夜勤明けの朝ランが日課です。',
    motif: 'sun',
  },
  {
    nick: 'けんじ',
    gender: 'male',
    prefecture: 11,
    hobbies: '読書、フットサル',
    occupation: '教員',
    intro: '本は小説もエッセイも漫画も読みます。おすすめ教えてください。',
    motif: 'book',
  },
  {
    nick: 'あおい',
    gender: 'female',
    prefecture: 26,
    hobbies: '寺社めぐり、着物',
    occupation: '学生',
    intro: '京都の大学に通っています。',
    motif: 'leaf',
  },
  {
    nick: 'ゆうた',
    gender: 'male',
    prefecture: 1,
    hobbies: 'スキー、登山',
    occupation: '公務員',
    intro: '札幌在住。冬はだいたい山にいます。',
    motif: 'mountain',
  },
  {
    nick: 'まゆみ',
    gender: 'female',
    prefecture: 23,
    hobbies: 'ライブ、カラオケ',
    occupation: '事務',
    intro: '名古屋からライブ遠征しています。',
    motif: 'face',
  },
  {
    nick: 'しょうへい',
    gender: 'male',
    prefecture: 12,
    hobbies: 'フットサル、サウナ',
    occupation: '営業',
    intro: '週末は千葉でボールを蹴っています。',
    motif: 'ball',
  },
  {
    nick: 'なつみ',
    gender: 'female',
    prefecture: 28,
    hobbies: 'カフェめぐり、パン作り',
    occupation: 'パン屋',
    intro: '神戸のパン屋で働いています。',
    motif: 'cup',
  },
  {
    nick: 'こうじ',
    gender: 'male',
    prefecture: 13,
    hobbies: '鉄道、読書',
    occupation: '会社員',
    intro: '通勤電車で本を読むのが好きです。',
    motif: 'train',
  },
];

/** マイミク, made by a request and its acceptance (the first asks, the second accepts), days ago. */
export const FRIENDSHIPS: [Nick, Nick, number][] = [
  ['さくら', 'たろう', 28],
  ['さくら', 'はなこ', 27],
  ['さくら', 'みゆき', 20],
  ['さくら', 'あおい', 14],
  ['なつみ', 'さくら', 9],
  ['たろう', 'けんじ', 25],
  ['しょうへい', 'たろう', 18],
  ['たろう', 'こうじ', 12],
  ['はなこ', 'あおい', 22],
  ['はなこ', 'なつみ', 16],
  ['まゆみ', 'はなこ', 11],
  ['みゆき', 'あおい', 19],
  ['けんじ', 'しょうへい', 24],
  ['ゆうた', 'けんじ', 15],
  ['こうじ', 'ゆうた', 10],
  ['まゆみ', 'なつみ', 8],
  ['あおい', 'なつみ', 6],
  ['Ken', 'ゆうた', 5],
];

/** Requests still waiting for an answer: さくら and Ken each have one to answer. */
export const PENDING_REQUESTS: [Nick, Nick, string][] = [
  ['けんじ', 'さくら', 'たろうさんの友だちのけんじです。日記いつも楽しく読んでます！'],
  ['こうじ', 'Ken', 'はじめまして。同じエンジニア同士、よろしくお願いします。'],
];

export const INTRODUCTIONS: [author: Nick, subject: Nick, body: string][] = [
  ['たろう', 'さくら', '写真がとても上手です。猫の話になると止まりません。'],
  ['はなこ', 'さくら', '学生時代からの友だち。いつも穏やかで頼りになります。'],
  ['さくら', 'はなこ', '大阪のおいしいお店ならはなこに聞けば間違いなし！'],
  ['けんじ', 'しょうへい', 'フットサル仲間。点取り屋です。'],
];

export type DiarySeed = {
  author: Nick;
  title: string;
  body: string;
  visibility: 'members' | 'friends' | 'only_me';
  hoursAgo: number;
  photos?: Motif[];
  comments?: [Nick, string][];
};

export const DIARIES: DiarySeed[] = [
  {
    author: 'たろう',
    title: '初めての日記',
    body: 'あしあとを始めました。よろしくお願いします！',
    visibility: 'members',
    hoursAgo: 220,
    comments: [['さくら', 'ようこそ！これからよろしくね。']],
  },
  {
    author: 'はなこ',
    title: '友だち限定の話',
    body: '今日は久しぶりに友だちとカフェに行きました。',
    visibility: 'friends',
    hoursAgo: 150,
  },
  {
    author: 'こうじ',
    title: '通勤電車で読んだ本',
    body: '片道40分、今週は短編集を一冊読み終えました。\n最後の話がよかった。',
    visibility: 'members',
    hoursAgo: 190,
    photos: ['train'],
    comments: [
      ['たろう', '何ていう本？気になる。'],
      ['こうじ', '今度会ったときに貸すよ。'],
    ],
  },
  {
    author: 'まゆみ',
    title: '名古屋でライブ',
    body: '久しぶりのライブで声が枯れました。\nアンコール2回！',
    visibility: 'members',
    hoursAgo: 160,
    photos: ['note'],
    comments: [['はなこ', 'いいなー！次は一緒に行きたい。']],
  },
  {
    author: 'さくら',
    title: 'うちの猫が箱から出てこない',
    body: '通販の箱を開けたら、中身より箱のほうが気に入られてしまいました。\nもう三日目です。',
    visibility: 'friends',
    hoursAgo: 120,
    photos: ['cat'],
    comments: [
      ['みゆき', '猫あるあるですね笑'],
      ['あおい', 'かわいすぎる…'],
    ],
  },
  {
    author: 'けんじ',
    title: '積読が増える一方',
    body: '本屋に行くとつい買ってしまう。\n年末年始で少しは減らしたい。',
    visibility: 'members',
    hoursAgo: 96,
    photos: ['book'],
    comments: [['しょうへい', '一冊貸して！']],
  },
  {
    author: 'みゆき',
    title: '朝のランニング始めました',
    body: '夜勤明けに海沿いを5km。\n朝日がまぶしくて気持ちいいです。',
    visibility: 'members',
    hoursAgo: 72,
    photos: ['sun'],
  },
  {
    author: 'しょうへい',
    title: 'フットサルで筋肉痛',
    body: '久しぶりに2試合続けて出たら、翌日階段がつらい。',
    visibility: 'members',
    hoursAgo: 70,
    photos: ['ball'],
    comments: [
      ['けんじ', 'ストレッチ大事。'],
      ['たろう', 'お疲れさま！'],
    ],
  },
  {
    author: 'さくら',
    title: '週末は鎌倉へ',
    body: '晴れたので江ノ電に乗って鎌倉まで。\n長谷寺のあと、海を見ながらしらす丼を食べました。\n写真たくさん撮ったので少しだけ。',
    visibility: 'members',
    hoursAgo: 50,
    photos: ['sea', 'mountain'],
    comments: [
      ['たろう', 'いい天気だったね！しらす丼うらやましい。'],
      ['はなこ', '海きれい〜。今度案内して！'],
      ['さくら', 'ぜひぜひ、みんなで行こう。'],
    ],
  },
  {
    author: 'あおい',
    title: '京都の紅葉がきれいでした',
    body: '東福寺の通天橋、朝早く行ったのでゆっくり見られました。',
    visibility: 'members',
    hoursAgo: 46,
    photos: ['leaf'],
    comments: [
      ['さくら', '真っ赤ですね。行ってみたい！'],
      ['なつみ', '今年は見逃しちゃった…'],
      ['はなこ', '朝行くのが正解やね。'],
    ],
  },
  {
    author: 'Ken',
    title: '福岡から、はじめまして',
    body: 'Hello! 福岡のKenです。\nラーメンの話ならいくらでもできます。',
    visibility: 'members',
    hoursAgo: 40,
    comments: [['ゆうた', 'ようこそ！札幌の味噌ラーメンもよろしく。']],
  },
  {
    author: 'ゆうた',
    title: '札幌は初雪',
    body: 'ついに降りました。\n今シーズンもスキーが楽しみです。',
    visibility: 'members',
    hoursAgo: 26,
    photos: ['mountain'],
    comments: [['こうじ', 'もう雪かあ。気をつけて。']],
  },
  {
    author: 'はなこ',
    title: '大阪で食べ歩き',
    body: '黒門市場でまぐろ、たこ焼き、最後はかき氷。\nお腹いっぱい！',
    visibility: 'members',
    hoursAgo: 20,
    photos: ['cup'],
  },
  {
    author: 'さくら',
    title: 'ひとりごと',
    body: '来年の手帳、どれにしようかまだ迷っている。',
    visibility: 'only_me',
    hoursAgo: 12,
  },
  {
    author: 'なつみ',
    title: '新しいカフェを見つけた',
    body: '元町の路地裏に小さなカフェ。\nシナモンロールが絶品でした。',
    visibility: 'friends',
    hoursAgo: 3,
    photos: ['cup'],
    comments: [
      ['さくら', '神戸行ったら連れてって〜'],
      ['まゆみ', 'メモしました！'],
    ],
  },
];

export type TopicSeed = {
  author: Nick;
  title: string;
  body: string;
  hoursAgo: number;
  photos?: Motif[];
  comments?: [Nick, string][];
};

export type EventSeed = TopicSeed & {
  inDays: number;
  deadlineInDays: number;
  dateNote: string;
  prefecture: number;
  capacity: number;
  applicants: Nick[];
};

export type CommunitySeed = {
  owner: Nick;
  name: string;
  category: CommunityCategory;
  description: string;
  joinPolicy: 'open' | 'approval';
  motif: Motif;
  daysAgo: number;
  members: Nick[];
  requests?: [Nick, string][];
  topics: TopicSeed[];
  event?: EventSeed;
};

export const COMMUNITIES: CommunitySeed[] = [
  {
    owner: 'さくら',
    name: '猫好きの集い',
    category: 'animals_pets',
    motif: 'cat',
    daysAgo: 21,
    joinPolicy: 'open',
    description: '猫が好きな人ならどなたでも。\nうちの子自慢、飼い方の相談、猫カフェ情報などお気軽にどうぞ。',
    members: ['みゆき', 'はなこ', 'あおい', 'なつみ', 'Ken', 'こうじ'],
    topics: [
      {
        author: 'さくら',
        title: 'うちの子自慢トピ',
        body: '写真つきで自慢してください！',
        hoursAgo: 400,
        photos: ['cat'],
        comments: [
          ['みゆき', 'うちのは茶トラです。よく寝ます。'],
          ['あおい', '実家の猫、今年で18歳になりました。'],
          ['Ken', '猫は飼っていないけど見る専です。'],
        ],
      },
      {
        author: 'はなこ',
        title: 'おすすめのキャットフード',
        body: '最近食いつきが悪くて…みなさんどうしてますか？',
        hoursAgo: 60,
        comments: [
          ['さくら', 'うちはウェットとドライを混ぜています。'],
          ['なつみ', '温めると食べることがあるよ。'],
        ],
      },
    ],
  },
  {
    owner: 'たろう',
    name: '鎌倉・湘南散歩部',
    category: 'area',
    motif: 'sea',
    daysAgo: 18,
    joinPolicy: 'open',
    description: '鎌倉・湘南をのんびり歩く会です。寺社、海、カフェ、なんでも。',
    members: ['さくら', 'はなこ', 'みゆき', 'けんじ', 'あおい', 'こうじ'],
    topics: [
      {
        author: 'たろう',
        title: '自己紹介トピ',
        body: 'はじめましての方はこちらへどうぞ。',
        hoursAgo: 420,
        comments: [
          ['さくら', '東京のさくらです。月に一回は鎌倉に行きます。'],
          ['みゆき', '藤沢に住んでいます。よろしくお願いします。'],
        ],
      },
    ],
    event: {
      author: 'たろう',
      title: '鎌倉散歩オフ会（長谷寺〜由比ヶ浜）',
      body: '長谷寺から由比ヶ浜まで歩いて、最後はカフェでお茶しましょう。\n定員3名、先着順です。',
      hoursAgo: 30,
      inDays: 12,
      deadlineInDays: 9,
      dateNote: '10時 長谷駅改札前',
      prefecture: 14,
      capacity: 3,
      applicants: ['さくら', 'はなこ', 'みゆき', 'けんじ', 'あおい'],
      comments: [
        ['さくら', '参加します！'],
        ['けんじ', 'キャンセル待ちで。'],
      ],
    },
  },
  {
    owner: 'なつみ',
    name: '週末カフェめぐり',
    category: 'food_drink',
    motif: 'cup',
    daysAgo: 15,
    joinPolicy: 'approval',
    description: '行ってよかったカフェを紹介し合うコミュニティです。参加は承認制です。',
    members: ['はなこ', 'あおい', 'まゆみ', 'さくら'],
    requests: [['しょうへい', 'サウナ帰りのカフェが好きです。よろしくお願いします。']],
    topics: [
      {
        author: 'なつみ',
        title: '東京のおすすめカフェ',
        body: '東京のカフェ情報はここに集めましょう。',
        hoursAgo: 200,
        comments: [
          ['さくら', '清澄白河のロースタリーがおすすめです。'],
          ['まゆみ', '東京に行くときの参考にします！'],
        ],
      },
      {
        author: 'あおい',
        title: '京都の町家カフェ',
        body: '町家を改装したカフェ、落ち着きます。',
        hoursAgo: 90,
        photos: ['cup'],
      },
    ],
  },
  {
    owner: 'しょうへい',
    name: 'フットサル仲間募集（関東・初心者歓迎・土日の午前中が中心です）',
    category: 'sports',
    motif: 'ball',
    daysAgo: 12,
    joinPolicy: 'open',
    description: '関東でフットサルをする仲間を集めています。初心者、経験者どちらも歓迎です。',
    members: ['けんじ', 'こうじ', 'ゆうた', 'たろう'],
    topics: [
      {
        author: 'しょうへい',
        title: '今月の練習日程',
        body: '土曜の午前、船橋のコートで練習します。',
        hoursAgo: 100,
        comments: [
          ['けんじ', '参加します。'],
          ['たろう', '初心者ですが行ってみたいです。'],
          ['しょうへい', '大歓迎です！'],
        ],
      },
    ],
  },
];

export type MessageSeed = {
  from: Nick;
  to: Nick;
  subject: string;
  body: string;
  hoursAgo: number;
  replies?: [Nick, string, number][];
  read?: boolean;
};

export const MESSAGES: MessageSeed[] = [
  {
    from: 'たろう',
    to: 'さくら',
    subject: '鎌倉の写真',
    body: '日記の写真よかった！オフ会のときも撮ってほしいな。',
    hoursAgo: 44,
    read: true,
    replies: [
      ['さくら', 'もちろん！カメラ持っていくね。', 40],
      ['たろう', 'ありがとう、楽しみにしてる。', 38],
    ],
  },
  {
    from: 'はなこ',
    to: 'さくら',
    subject: '今度の日曜日',
    body: '日曜日空いてる？梅田に新しいお店ができたから一緒に行きたいな。',
    hoursAgo: 5,
  },
  {
    from: 'なつみ',
    to: 'はなこ',
    subject: 'コミュのこと',
    body: 'カフェめぐりコミュ、副管理人お願いできないかな？',
    hoursAgo: 30,
  },
  {
    from: 'こうじ',
    to: 'Ken',
    subject: 'はじめまして',
    body: 'マイミク申請を送りました。よろしくお願いします。',
    hoursAgo: 9,
  },
];

/** Footprints: who looked at whose page, hours ago. Friends look at each other most. */
export const FOOTPRINTS: [visitor: Nick, owner: Nick, hoursAgo: number][] = [
  ['たろう', 'さくら', 2],
  ['はなこ', 'さくら', 4],
  ['みゆき', 'さくら', 7],
  ['あおい', 'さくら', 20],
  ['けんじ', 'さくら', 26],
  ['なつみ', 'さくら', 30],
  ['こうじ', 'さくら', 50],
  ['さくら', 'たろう', 3],
  ['さくら', 'はなこ', 6],
  ['さくら', 'あおい', 45],
  ['けんじ', 'たろう', 10],
  ['しょうへい', 'たろう', 28],
  ['はなこ', 'なつみ', 2],
  ['あおい', 'はなこ', 8],
  ['まゆみ', 'はなこ', 33],
  ['こうじ', 'Ken', 9],
  ['ゆうた', 'Ken', 38],
  ['Ken', 'ゆうた', 24],
  ['みゆき', 'あおい', 46],
  ['しょうへい', 'けんじ', 60],
];
