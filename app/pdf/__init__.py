"""Printable notices (督办通知单, 催办单) as PDF."""
