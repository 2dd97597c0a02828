/*
 * husvagt-sim's files: the tables it prints (simc_show.c).
 */
#ifndef HUSVAGT_SIMC_H
#define HUSVAGT_SIMC_H

#include <jansson.h>

/* Print rows of op (outputs, inputs, points, history) as a table with
 * its heading. */
void	 simc_show(const char *op, json_t *rows);

#endif
