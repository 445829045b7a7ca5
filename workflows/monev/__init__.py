"""Monitoring and evaluation (monev): the indicators KemenPAN-RB reviews, read from a daily rollup.

``rollup`` keeps ``monev_daily`` in step with the complaints (incrementally, from the scheduler);
``indicators`` turns it into figures for a period and a scope.
"""
