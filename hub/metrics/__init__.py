"""Engagement figures: what each announcement achieved on every network.

- :mod:`~hub.metrics.schedule`: when a delivery's figures are read (15 minutes, then hourly, daily,
  weekly, for 90 days);
- :mod:`~hub.metrics.collect`: reading them through the connectors, in batches per channel;
- :mod:`~hub.metrics.rollups`: daily aggregates kept up to date as snapshots arrive;
- :mod:`~hub.metrics.queries`, :mod:`~hub.metrics.tables`: what the dashboard shows;
- :mod:`~hub.metrics.exports`, :mod:`~hub.metrics.opendata`: CSV, XLSX and the open-data rows.

Nothing here knows Flask-Admin or Celery: the views and tasks are thin and call in here.
"""
