-- nothing to run here;

/* still nothing; */
;;
