/* array.h: ARRAY_SIZE, the number of elements of an array (not a pointer),
 * as the kernel spells it: for name tables checked against an enum's _COUNT. */
#ifndef VB_ARRAY_H
#define VB_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
