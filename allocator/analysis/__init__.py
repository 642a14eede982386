"""Analysis of allocations: fairness figures, headline metrics, batch runs, sensitivity, uncertainty,
goal-seeking and pace of change. Pure functions over results; nothing here prints or draws."""
