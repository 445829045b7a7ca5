"""Breach risk of open tasks: how likely an officer's open task is to miss its limit, estimated from the
history of the same step (Kaplan-Meier survival over working time; see docs/risk-calibration.md)."""
