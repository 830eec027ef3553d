-- nothing yet

/* still nothing */
