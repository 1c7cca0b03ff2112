import type { HttpClient } from './http-client';

/**
 * The products and customers every order is drawn from. Many of each, so that orders do not queue
 * on one product's row lock or one account's, which would measure contention instead of the saga.
 */
export interface Catalogue {
  readonly skus: readonly string[];
  readonly customerIds: readonly string[];
}

export interface PlaceOrderBody {
  readonly customerId: string;
  readonly items: { readonly sku: string; readonly quantity: number }[];
}

// Enough that a whole run never runs out: a run orders a few hundred units of each product.
const STOCK_PER_PRODUCT = 1_000_000;
// The contract's largest credit limit, so no customer is ever declined.
const CREDIT_LIMIT_CENTS = 1_000_000_000_000;
const PARALLEL_SETUP_REQUESTS = 16;

/** Names `<prefix>-sku-0000` and `<prefix>-customer-0000`; the benchmark reuses its names run after run. */
export function benchCatalogue(products: number, customers: number, prefix = 'bench'): Catalogue {
  const name = (kind: string, index: number) => `${prefix}-${kind}-${String(index).padStart(4, '0')}`;
  return {
    skus: Array.from({ length: products }, (_, index) => name('sku', index)),
    customerIds: Array.from({ length: customers }, (_, index) => name('customer', index)),
  };
}

/** The stock of each product and the credit limit of each account, by their index in the catalogue. */
export interface Shelves {
  readonly stockOf: (productIndex: number) => number;
  readonly creditLimitOf: (customerIndex: number) => number;
}

/** Every product and every account more than a run can use up. */
export const FULL_SHELVES: Shelves = { stockOf: () => STOCK_PER_PRODUCT, creditLimitOf: () => CREDIT_LIMIT_CENTS };

/** A small price per product, 1.00 to 9.99, so a customer's credit lasts for many runs. */
const priceOf = (index: number) => 100 + ((index * 337) % 900);

/**
 * Creates the products and accounts, or resets them: PUT sets the available stock and the credit
 * limit again, so every run starts from the same shelves whatever earlier runs bought.
 */
export async function stockCatalogue(
  client: HttpClient,
  urls: { inventory: string; payment: string },
  catalogue: Catalogue,
  apiKey?: string,
  shelves: Shelves = FULL_SHELVES,
): Promise<void> {
  const headers: Record<string, string> = apiKey ? { 'x-api-key': apiKey } : {};
  const puts = [
    ...catalogue.skus.map((sku, index) => ({
      url: `${urls.inventory}/products/${sku}`,
      body: { name: `Bench product ${index}`, priceCents: priceOf(index), stock: shelves.stockOf(index) },
    })),
    ...catalogue.customerIds.map((customerId, index) => ({
      url: `${urls.payment}/accounts/${customerId}`,
      body: { creditLimitCents: shelves.creditLimitOf(index) },
    })),
  ];
  let next = 0;
  const worker = async () => {
    while (next < puts.length) {
      const { url, body } = puts[next++];
      const outcome = await client.send('PUT', url, body, headers);
      if (outcome.kind !== 'answer' || outcome.status !== 200) {
        const what = outcome.kind === 'answer' ? `${outcome.status} ${outcome.body}` : outcome.code;
        throw new Error(`PUT ${url} failed: ${what}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_SETUP_REQUESTS }, worker));
}

/**
 * Random orders of one to three distinct products, one to three of each, for random customers.
 * Seeded, so two runs offer the same sequence of orders.
 */
export function orderGenerator(catalogue: Catalogue, seed = 1): () => PlaceOrderBody {
  const random = mulberry32(seed);
  const pick = (count: number) => Math.floor(random() * count);
  return () => {
    const lines = 1 + pick(Math.min(3, catalogue.skus.length));
    const skus = new Set<string>();
    while (skus.size < lines) skus.add(catalogue.skus[pick(catalogue.skus.length)]);
    return {
      customerId: catalogue.customerIds[pick(catalogue.customerIds.length)],
      items: [...skus].map((sku) => ({ sku, quantity: 1 + pick(3) })),
    };
  };
}

/** A tiny seedable generator (Math.random cannot be seeded). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
