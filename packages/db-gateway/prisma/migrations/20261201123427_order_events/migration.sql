-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "event_sequence" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "order_events" (
    "order_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" VARCHAR(24) NOT NULL,
    "failure_reason" VARCHAR(32),
    "transaction_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL,
    "txid" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint,
    "position" BIGSERIAL NOT NULL,

    CONSTRAINT "order_events_pkey" PRIMARY KEY ("order_id","sequence")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "url" VARCHAR(2048) NOT NULL,
    "after_txid" BIGINT NOT NULL,
    "after_position" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("url")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "endpoint_url" VARCHAR(2048) NOT NULL,
    "order_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL,
    "locked_until" TIMESTAMP(3),
    "give_up_at" TIMESTAMP(3) NOT NULL,
    "last_status_code" INTEGER,
    "last_error" VARCHAR(512),
    "delivered_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempts" (
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "error" VARCHAR(512),
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("delivery_id","attempt")
);

-- CreateIndex
CREATE INDEX "order_events_txid_position_idx" ON "order_events"("txid", "position");

-- CreateIndex
CREATE INDEX "order_events_created_at_idx" ON "order_events" USING BRIN ("created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_order_id_endpoint_url_sequence_key" ON "webhook_deliveries"("order_id", "endpoint_url", "sequence");

-- AddForeignKey
ALTER TABLE "order_events" ADD CONSTRAINT "order_events_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_order_id_sequence_fkey" FOREIGN KEY ("order_id", "sequence") REFERENCES "order_events"("order_id", "sequence") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Added by hand (Prisma's schema language has no triggers and its differ ignores them): the outbox's writers.
-- Every status change of an order, by whatever statement makes it (the hot path's functions, Prisma's updates,
-- an operator's SQL), writes its event in that statement: one commit for both, and no extra round trip.
-- The order row counts its events, so a sequence never needs a lookup and never repeats, whatever retention
-- has deleted.
CREATE FUNCTION "count_order_event"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    NEW."event_sequence" := OLD."event_sequence" + 1;
    RETURN NEW;
END;
$$;

CREATE FUNCTION "record_order_event"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "order_events" ("order_id", "sequence", "type", "failure_reason", "transaction_id", "created_at")
    VALUES (NEW."id", NEW."event_sequence",
            CASE NEW."status"
                WHEN 'PENDING' THEN 'order.created'
                WHEN 'CONFIRMED' THEN 'order.confirmed'
                WHEN 'FAILED' THEN 'order.failed'
                ELSE 'order.cancelled'
            END,
            NEW."failure_reason", NEW."transaction_id", NEW."updated_at");
    RETURN NULL;
END;
$$;

CREATE TRIGGER "orders_event_sequence" BEFORE UPDATE OF "status" ON "orders"
    FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "count_order_event"();

CREATE TRIGGER "orders_event_created" AFTER INSERT ON "orders"
    FOR EACH ROW EXECUTE FUNCTION "record_order_event"();

CREATE TRIGGER "orders_event_changed" AFTER UPDATE OF "status" ON "orders"
    FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "record_order_event"();
