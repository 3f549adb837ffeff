"""Celery wiring: the app, its queues and the (thin) tasks that call the feature packages."""
