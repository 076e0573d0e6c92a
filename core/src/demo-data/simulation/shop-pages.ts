import { CATEGORIES, CATEGORY_SPECS, type Category } from '../catalog';

export const SHOP_NAME = 'DemoShop';

export const CATEGORY_PAGE: Record<Category, { path: string; title: string }> = Object.fromEntries(
  CATEGORIES.map((c) => [c, { path: `/category/${c}`, title: `${CATEGORY_SPECS[c].label} | ${SHOP_NAME}` }]),
) as Record<Category, { path: string; title: string }>;
