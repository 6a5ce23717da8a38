"""The ledger screens: one view class per ledger."""
