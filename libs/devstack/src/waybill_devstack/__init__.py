"""Local development and test harness for Waybill (never imported by a service)."""
