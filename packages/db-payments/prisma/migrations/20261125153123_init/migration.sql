-- CreateEnum
CREATE TYPE "ChargeStatus" AS ENUM ('AUTHORIZED', 'DECLINED', 'REFUNDED');

-- CreateTable
CREATE TABLE "charges" (
    "id" UUID NOT NULL,
    "idempotency_key" VARCHAR(255) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "order_id" VARCHAR(64) NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" "ChargeStatus" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refunded_at" TIMESTAMP(3),

    CONSTRAINT "charges_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "charges_idempotency_key_key" ON "charges"("idempotency_key");

-- CreateIndex
CREATE INDEX "charges_order_id_idx" ON "charges"("order_id");
