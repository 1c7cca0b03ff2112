-- CreateTable
CREATE TABLE "product_demand" (
    "sku" TEXT NOT NULL,
    "orders_placed" INTEGER NOT NULL,
    "units_requested" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_demand_pkey" PRIMARY KEY ("sku")
);
