/**
 * A fixed product catalogue for the demo shop: 200 products in 10 categories.
 *
 * The catalogue does not depend on the generator seed (it is built from its own fixed seed), so a
 * product id means the same product in every demo data set. Prices are log-normal per category
 * (scaled per product type, so a phone case is cheaper than a phone), popularity within a category
 * is Zipf-like, and a few complement pairs (phone -> phone case, stroller -> infant formula, ...)
 * are boosted in baskets so market-basket analysis has real rules to find.
 */
import { Random, WeightedTable } from './random';

export const CATEGORIES = [
  'beauty',
  'electronics',
  'fashion',
  'home',
  'sports',
  'books',
  'toys',
  'grocery',
  'baby',
  'outdoor',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Product {
  /** `p-0001` ... `p-0200` */
  readonly id: string;
  /** Stock-keeping unit, e.g. `EL-0012-BLK` */
  readonly sku: string;
  readonly name: string;
  readonly brand: string;
  readonly category: Category;
  /** USD, two decimals */
  readonly price: number;
  /** Relative popularity within its category (Zipf-like) */
  readonly popularity: number;
  /** URL slug of the product page: `/product/p-0042` */
  readonly path: string;
  /** Page title: `Aurora Smartphone X12 | DemoShop` */
  readonly title: string;
}

export interface ComplementRule {
  readonly antecedent: string;
  readonly consequent: string;
  /** Probability that adding the antecedent to the cart also adds the consequent. */
  readonly attachRate: number;
}

interface CategorySpec {
  readonly label: string;
  readonly skuPrefix: string;
  /** Median price in USD and log-normal sigma. */
  readonly medianPrice: number;
  readonly sigma: number;
  /** Share of shoppers whose preferred category this is. */
  readonly share: number;
  readonly brands: readonly string[];
  /** 20 product types; the number is a price factor relative to the category median. */
  readonly types: ReadonlyArray<readonly [string, number]>;
  readonly queries: readonly string[];
  /** Queries typed by zh-CN shoppers (exercise URL encoding of non-ASCII text). */
  readonly queriesZh: readonly string[];
}

export const CATEGORY_SPECS: Readonly<Record<Category, CategorySpec>> = {
  beauty: {
    label: 'Beauty',
    skuPrefix: 'BE',
    medianPrice: 22,
    sigma: 0.45,
    share: 0.14,
    brands: ['Lumiere', 'Aqualis', 'Petal & Pine', 'Nordic Glow'],
    types: [
      ['Hydrating Face Serum', 1.4], ['Vitamin C Serum', 1.5], ['Matte Lipstick', 0.8], ['Sunscreen SPF 50', 0.9],
      ['Night Repair Cream', 1.8], ['Shampoo', 0.6], ['Conditioner', 0.6], ['Gentle Cleanser', 0.7],
      ['Sheet Mask 10-Pack', 0.8], ['Eye Cream', 1.6], ['Perfume 50ml', 3.2], ['Nail Polish Set', 0.7],
      ['Hair Dryer', 3.5], ['Makeup Brush Set', 1.2], ['Foundation', 1.3], ['Mascara', 0.9],
      ['Body Lotion', 0.6], ['Micellar Water', 0.5], ['Lip Balm 3-Pack', 0.4], ['Face Toner', 0.8],
    ],
    queries: ['serum', 'vitamin c', 'sunscreen', 'lipstick red', 'night cream', 'shampoo dry hair', 'perfume', 'mascara waterproof'],
    queriesZh: ['精华', '防晒霜', '口红', '面膜', '洗发水'],
  },
  electronics: {
    label: 'Electronics',
    skuPrefix: 'EL',
    medianPrice: 90,
    sigma: 0.5,
    share: 0.14,
    brands: ['Aurora', 'Voltix', 'Kestrel', 'Nimbus'],
    types: [
      ['Smartphone X12', 7.5], ['Phone Case X12', 0.25], ['Laptop Pro 14', 14], ['Laptop Sleeve 14', 0.35],
      ['Mirrorless Camera', 9], ['SD Card 128GB', 0.3], ['Game Console', 5.5], ['Wireless Controller', 0.7],
      ['Noise-Cancelling Headphones', 2.6], ['Wireless Earbuds', 1.4], ['Smartwatch', 2.8], ['USB-C Charger 65W', 0.4],
      ['Power Bank 20000mAh', 0.45], ['4K Monitor 27"', 3.8], ['Mechanical Keyboard', 1.1], ['Wireless Mouse', 0.35],
      ['Bluetooth Speaker', 0.9], ['Tablet 11"', 5], ['AA Batteries 24-Pack', 0.15], ['HDMI Cable 2m', 0.12],
    ],
    queries: ['phone', 'laptop', 'headphones', 'usb c charger', 'camera', 'earbuds', 'monitor 4k', 'game console'],
    queriesZh: ['手机', '手机壳', '耳机', '充电宝', '笔记本电脑'],
  },
  fashion: {
    label: 'Fashion',
    skuPrefix: 'FA',
    medianPrice: 45,
    sigma: 0.45,
    share: 0.16,
    brands: ['Marlow', 'Indigo Lane', 'Stitch & Co', 'Urbanite'],
    types: [
      ['Slim Jeans', 1.2], ['Cotton T-Shirt', 0.45], ['Wool Sweater', 1.6], ['Rain Jacket', 2.2],
      ['Leather Belt', 0.7], ['Sneakers', 1.9], ['Summer Dress', 1.3], ['Linen Shirt', 1], ['Chino Shorts', 0.8],
      ['Puffer Coat', 3.4], ['Silk Scarf', 0.9], ['Ankle Boots', 2.4], ['Baseball Cap', 0.5], ['Hoodie', 1.1],
      ['Socks 5-Pack', 0.3], ['Canvas Tote Bag', 0.55], ['Sunglasses', 1.2], ['Leather Wallet', 0.9],
      ['Pyjama Set', 0.9], ['Trench Coat', 3.6],
    ],
    queries: ['jeans', 'dress', 'sneakers white', 'hoodie', 'coat', 'boots', 'sunglasses', 't-shirt'],
    queriesZh: ['连衣裙', '运动鞋', '卫衣', '羽绒服', '牛仔裤'],
  },
  home: {
    label: 'Home & Kitchen',
    skuPrefix: 'HO',
    medianPrice: 45,
    sigma: 0.55,
    share: 0.11,
    brands: ['Hearth', 'Oakridge', 'Casa Nova', 'Kiln & Co'],
    types: [
      ['Espresso Machine', 6], ['Cast Iron Skillet', 1], ['Chef Knife', 1.3], ['Cotton Bed Sheets', 1.4],
      ['Down Pillow', 0.9], ['Scented Candle', 0.4], ['Ceramic Mug Set', 0.6], ['Air Fryer', 2.3],
      ['Robot Vacuum', 6.5], ['Bath Towel Set', 0.9], ['Table Lamp', 1.2], ['Storage Bin Set', 0.6],
      ['Blender', 1.8], ['Throw Blanket', 0.9], ['Glass Food Containers', 0.7], ['Wall Clock', 0.7],
      ['Electric Kettle', 0.9], ['Dish Rack', 0.5], ['Picture Frame Set', 0.5], ['Houseplant Pot', 0.4],
    ],
    queries: ['air fryer', 'espresso machine', 'bed sheets', 'knife', 'vacuum', 'candle', 'kettle', 'towels'],
    queriesZh: ['空气炸锅', '咖啡机', '床单', '扫地机器人', '收纳'],
  },
  sports: {
    label: 'Sports',
    skuPrefix: 'SP',
    medianPrice: 35,
    sigma: 0.5,
    share: 0.08,
    brands: ['Stride', 'Peakform', 'Velo', 'Corefit'],
    types: [
      ['Yoga Mat', 1], ['Yoga Block Set', 0.4], ['Running Shoes', 3], ['Sports Socks 3-Pack', 0.35],
      ['Adjustable Dumbbells', 5.5], ['Resistance Bands', 0.6], ['Water Bottle 1L', 0.6], ['Gym Bag', 1.3],
      ['Fitness Tracker', 2.4], ['Foam Roller', 0.8], ['Jump Rope', 0.4], ['Cycling Helmet', 1.9],
      ['Tennis Racket', 3.2], ['Tennis Balls 4-Pack', 0.25], ['Football', 0.8], ['Swim Goggles', 0.5],
      ['Protein Shaker', 0.35], ['Running Shorts', 0.9], ['Kettlebell 12kg', 1.4], ['Pull-Up Bar', 1.1],
    ],
    queries: ['yoga mat', 'running shoes', 'dumbbells', 'fitness tracker', 'helmet', 'tennis racket'],
    queriesZh: ['瑜伽垫', '跑步鞋', '哑铃', '运动手环'],
  },
  books: {
    label: 'Books',
    skuPrefix: 'BO',
    medianPrice: 16,
    sigma: 0.3,
    share: 0.07,
    brands: ['Harbor Press', 'Lantern Books', 'Quill House', 'Northwind'],
    types: [
      ['The Quiet Orchard (Novel)', 1], ['Data Science from Scratch', 2.2], ['Everyday Baking', 1.6],
      ['A Short History of Tea', 1.1], ['Mindful Mornings', 0.9], ['The Last Lighthouse', 1], ['Learn Python Fast', 2],
      ['World Atlas 2026', 2.4], ['Bedtime Stories Vol. 1', 0.8], ['Leadership Habits', 1.3], ['Mystery at Pier 9', 0.9],
      ['Gardening Year-Round', 1.4], ['Travel Guide: Japan', 1.5], ['Poems for Rainy Days', 0.8], ['The Startup Ledger', 1.4],
      ['Chess for Beginners', 1], ['Space Explorers Comic', 0.7], ['Leather Bookmark', 0.3], ['Reading Light', 0.9],
      ['Notebook A5 Dotted', 0.6],
    ],
    queries: ['novel', 'python book', 'cookbook', 'travel guide', 'mystery', 'childrens books'],
    queriesZh: ['小说', '编程', '食谱', '绘本'],
  },
  toys: {
    label: 'Toys',
    skuPrefix: 'TO',
    medianPrice: 25,
    sigma: 0.5,
    share: 0.07,
    brands: ['Tinker', 'Jolly Fox', 'Brickworks', 'Little Nova'],
    types: [
      ['Building Blocks Set', 1.8], ['RC Car', 1.9], ['Plush Bear', 0.7], ['Jigsaw Puzzle 1000pc', 0.7],
      ['Wooden Train Set', 1.6], ['Doll House', 3], ['Board Game Classic', 1.1], ['Card Game Party', 0.6],
      ['Science Kit', 1.2], ['Art Supplies Set', 0.9], ['Water Gun', 0.6], ['Kite', 0.6], ['Play Dough 10-Pack', 0.4],
      ['Drone Mini', 2.6], ['Magnetic Tiles', 2], ['Toy Kitchen', 3.2], ['Bubble Machine', 0.8], ['Marble Run', 1.3],
      ['Action Figure', 0.7], ['Scooter Kids', 2.2],
    ],
    queries: ['lego', 'rc car', 'puzzle', 'board game', 'drone', 'plush'],
    queriesZh: ['积木', '遥控车', '拼图', '玩具'],
  },
  grocery: {
    label: 'Grocery',
    skuPrefix: 'GR',
    medianPrice: 9,
    sigma: 0.35,
    share: 0.09,
    brands: ['Green Basket', 'Farmhouse', 'Pantry Co', 'Sunharvest'],
    types: [
      ['Coffee Beans 1kg', 2.6], ['Paper Coffee Filters', 0.5], ['Green Tea 100 Bags', 1], ['Extra Virgin Olive Oil', 1.4],
      ['Dark Chocolate Bar', 0.4], ['Organic Honey', 1.1], ['Pasta 500g', 0.3], ['Basmati Rice 5kg', 1.8],
      ['Granola', 0.7], ['Almonds 500g', 1.2], ['Sparkling Water 12-Pack', 1], ['Protein Bars 12-Pack', 2.2],
      ['Instant Noodles 5-Pack', 0.5], ['Maple Syrup', 1.1], ['Peanut Butter', 0.6], ['Oat Milk 6-Pack', 1.3],
      ['Spice Set', 2], ['Dried Mango', 0.6], ['Sea Salt', 0.4], ['Jasmine Tea Tin', 1.3],
    ],
    queries: ['coffee', 'tea', 'olive oil', 'chocolate', 'snacks', 'rice'],
    queriesZh: ['咖啡', '茶叶', '零食', '大米'],
  },
  baby: {
    label: 'Baby',
    skuPrefix: 'BA',
    medianPrice: 28,
    sigma: 0.55,
    share: 0.06,
    brands: ['Cuddle', 'Tiny Steps', 'Bloom Baby', 'Nestling'],
    types: [
      ['Travel Stroller', 9], ['Infant Formula Stage 1', 1.2], ['Diapers Size 3 (Box)', 1.3], ['Baby Wipes 6-Pack', 0.5],
      ['Baby Monitor', 3.5], ['Car Seat', 7], ['Baby Bottle Set', 0.9], ['Teething Toy', 0.4], ['Swaddle Blankets', 0.9],
      ['High Chair', 4], ['Baby Carrier', 3], ['Crib Sheets', 0.8], ['Bath Tub', 1], ['Bib Set', 0.4],
      ['Pacifier 2-Pack', 0.3], ['Baby Lotion', 0.4], ['Night Light', 0.7], ['Diaper Bag', 1.6], ['Play Mat', 1.6],
      ['Sippy Cup', 0.35],
    ],
    queries: ['stroller', 'formula', 'diapers', 'baby monitor', 'car seat', 'wipes'],
    queriesZh: ['婴儿车', '奶粉', '纸尿裤', '安全座椅'],
  },
  outdoor: {
    label: 'Outdoor',
    skuPrefix: 'OU',
    medianPrice: 60,
    sigma: 0.55,
    share: 0.08,
    brands: ['Trailhead', 'Summit', 'Wildpine', 'Northstar'],
    types: [
      ['2-Person Tent', 2.6], ['Sleeping Bag', 1.4], ['Hiking Backpack 40L', 1.8], ['Trekking Poles', 0.9],
      ['Camping Stove', 1], ['Headlamp', 0.45], ['Insulated Flask', 0.55], ['Hiking Boots', 2.5], ['Camping Chair', 0.8],
      ['Cooler Box', 1.5], ['Hammock', 0.7], ['Water Filter', 0.6], ['Rain Poncho', 0.3], ['Picnic Blanket', 0.5],
      ['Binoculars', 2], ['Fishing Rod', 1.5], ['Garden Hose 25m', 0.6], ['BBQ Grill', 3.5], ['Solar Lantern', 0.5],
      ['Multi-Tool', 0.8],
    ],
    queries: ['tent', 'sleeping bag', 'backpack', 'hiking boots', 'bbq', 'camping'],
    queriesZh: ['帐篷', '睡袋', '登山鞋', '烧烤架'],
  },
};

/** Directed complement pairs by product-type name: adding the first often adds the second. */
const COMPLEMENT_TYPES: ReadonlyArray<readonly [string, string, number]> = [
  ['Smartphone X12', 'Phone Case X12', 0.55],
  ['Laptop Pro 14', 'Laptop Sleeve 14', 0.45],
  ['Mirrorless Camera', 'SD Card 128GB', 0.5],
  ['Game Console', 'Wireless Controller', 0.45],
  ['Travel Stroller', 'Infant Formula Stage 1', 0.4],
  ['Diapers Size 3 (Box)', 'Baby Wipes 6-Pack', 0.45],
  ['2-Person Tent', 'Sleeping Bag', 0.45],
  ['Yoga Mat', 'Yoga Block Set', 0.4],
  ['Running Shoes', 'Sports Socks 3-Pack', 0.35],
  ['Shampoo', 'Conditioner', 0.5],
  ['Espresso Machine', 'Coffee Beans 1kg', 0.45],
  ['Coffee Beans 1kg', 'Paper Coffee Filters', 0.25],
  ['RC Car', 'AA Batteries 24-Pack', 0.4],
  ['Tennis Racket', 'Tennis Balls 4-Pack', 0.45],
];

const CATALOG_SEED = 0x5eed_2026;

function roundPrice(raw: number): number {
  // Retail-style prices: x.99 below $100, x9.99 / x4.99 above.
  if (raw < 5) return Math.max(0.99, Math.round(raw * 2) / 2 - 0.01);
  if (raw < 100) return Math.round(raw) - 0.01;
  return Math.round(raw / 5) * 5 - 0.01;
}

function buildCatalog(): { products: Product[]; rules: ComplementRule[] } {
  const rng = new Random(CATALOG_SEED);
  const products: Product[] = [];
  let n = 0;
  for (const category of CATEGORIES) {
    const spec = CATEGORY_SPECS[category];
    // Zipf-like popularity, randomly permuted so product id order is not popularity order.
    const ranks = rng.shuffle(Array.from({ length: spec.types.length }, (_, i) => i + 1));
    spec.types.forEach(([typeName, factor], i) => {
      n++;
      const id = `p-${String(n).padStart(4, '0')}`;
      const brand = spec.brands[i % spec.brands.length]!;
      const price = roundPrice(Math.exp(Math.log(spec.medianPrice * factor) + rng.normal(0, spec.sigma)));
      const name = `${brand} ${typeName}`;
      products.push({
        id,
        sku: `${spec.skuPrefix}-${String(1000 + n)}-${rng.pick(['BLK', 'WHT', 'GRY', 'BLU', 'RED', 'GRN', 'STD'])}`,
        name,
        brand,
        category,
        price,
        popularity: 1 / Math.pow(ranks[i]!, 0.9),
        path: `/product/${id}`,
        title: `${name} | DemoShop`,
      });
    });
  }
  const byType = new Map<string, Product>();
  for (const p of products) byType.set(p.name.slice(p.brand.length + 1), p);
  const rules = COMPLEMENT_TYPES.map(([a, c, rate]) => {
    const pa = byType.get(a);
    const pc = byType.get(c);
    if (!pa || !pc) throw new Error(`catalog: unknown complement product type "${pa ? c : a}"`);
    return { antecedent: pa.id, consequent: pc.id, attachRate: rate };
  });
  return { products, rules };
}

const built = buildCatalog();

/** All 200 products, ordered by id. */
export const PRODUCTS: readonly Product[] = built.products;

/** The planted complement rules (antecedent product id -> consequent product id). */
export const COMPLEMENT_RULES: readonly ComplementRule[] = built.rules;

export const PRODUCTS_BY_ID: ReadonlyMap<string, Product> = new Map(PRODUCTS.map((p) => [p.id, p]));

export const PRODUCTS_BY_CATEGORY: Readonly<Record<Category, readonly Product[]>> = Object.fromEntries(
  CATEGORIES.map((c) => [c, PRODUCTS.filter((p) => p.category === c)]),
) as unknown as Record<Category, readonly Product[]>;

/** Popularity-weighted product picker per category. */
export const PRODUCT_TABLES: Readonly<Record<Category, WeightedTable<Product>>> = Object.fromEntries(
  CATEGORIES.map((c) => {
    const list = PRODUCTS_BY_CATEGORY[c];
    return [c, new WeightedTable(list, list.map((p) => p.popularity))];
  }),
) as unknown as Record<Category, WeightedTable<Product>>;

/** Category picker weighted by the share of shoppers preferring each category. */
export const CATEGORY_TABLE: WeightedTable<Category> = new WeightedTable(
  CATEGORIES,
  CATEGORIES.map((c) => CATEGORY_SPECS[c].share),
);

/** Complement rules keyed by antecedent product id. */
export const COMPLEMENTS_BY_ANTECEDENT: ReadonlyMap<string, ComplementRule> = new Map(
  COMPLEMENT_RULES.map((r) => [r.antecedent, r]),
);
