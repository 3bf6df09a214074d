"""受理: the intake screen of the window workspace."""
