/*
 * What the roll call shows, for the verbs and the state topic: the
 * store's evac_table_show.c reads it.
 */
#include "evac.h"
#include "evac_table.h"
#include "house.h"

json_t *
evac_status_json(struct husvagt *h)
{
	return evac_table_status(h->db);
}

json_t *
evac_state_json(struct husvagt *h)
{
	return evac_table_state(h->db);
}

json_t *
evac_mark_json(struct husvagt *h, const char *who)
{
	return evac_table_mark_json(h->db, who);
}
