/*
 * LD_PRELOAD for tests/lib/postconf_differential.py: Postfix's programs
 * sleep a second before they exit on a fatal error (to slow down a
 * daemon that keeps failing); the differential run makes them fail on
 * purpose hundreds of times.
 */
unsigned int sleep(unsigned int seconds);

unsigned int
sleep(unsigned int seconds)
{
	(void)seconds;
	return 0;
}
