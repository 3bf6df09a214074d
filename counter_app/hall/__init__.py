"""The hall around the window: the queue (排队叫号) with its kiosk and display
pages, and the evaluation pad (评价器) served to a tablet at the window."""
