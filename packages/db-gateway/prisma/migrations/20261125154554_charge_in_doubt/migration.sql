-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "charge_in_doubt" BOOLEAN NOT NULL DEFAULT false;
