-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('RESERVED', 'RELEASED');

-- CreateTable
CREATE TABLE "stock" (
    "sku" VARCHAR(32) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "stock_pkey" PRIMARY KEY ("sku")
);

-- CreateTable
CREATE TABLE "reservations" (
    "id" VARCHAR(64) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "status" "ReservationStatus" NOT NULL DEFAULT 'RESERVED',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMP(3),

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation_lines" (
    "reservation_id" VARCHAR(64) NOT NULL,
    "position" INTEGER NOT NULL,
    "sku" VARCHAR(32) NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "reservation_lines_pkey" PRIMARY KEY ("reservation_id","position")
);

-- AddForeignKey
ALTER TABLE "reservation_lines" ADD CONSTRAINT "reservation_lines_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Added by hand: Prisma's schema language cannot express CHECK constraints, and its differ ignores them,
-- so they survive later generated migrations. (No semicolons in these comments: some tools split on them.)
-- Available stock never goes negative, so a reservation that would oversell fails in the database itself,
-- even when two concurrent reservations both passed the application's own check.
ALTER TABLE "stock" ADD CONSTRAINT "stock_quantity_non_negative" CHECK ("quantity" >= 0);

-- A reservation line holds at least one unit, since a zero or negative line would let a release add stock.
ALTER TABLE "reservation_lines" ADD CONSTRAINT "reservation_lines_quantity_positive" CHECK ("quantity" > 0);
