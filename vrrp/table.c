// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links and addresses as rtnetlink last described them. Plain arrays
 * searched linearly: a load balancer has tens of links and addresses, and
 * the gate looks at a handful of VIPs per event.
 */
#include <string.h>

#include "lib/array.h"
#include "vrrp/vrrp_internal.h"

void vw_table_free(struct vw_table *t)
{
	free(t->links);
	free(t->addrs);
	memset(t, 0, sizeof(*t));
}

struct vw_link *vw_table_link(const struct vw_table *t, int ifindex)
{
	for (size_t i = 0; i < t->n_links; i++)
		if (t->links[i].ifindex == ifindex)
			return &t->links[i];
	return NULL;
}

struct vw_link *vw_table_link_by_name(const struct vw_table *t,
				      const char *name)
{
	if (!name || !name[0])
		return NULL;
	for (size_t i = 0; i < t->n_links; i++)
		if (!strcmp(t->links[i].name, name))
			return &t->links[i];
	return NULL;
}

int vw_table_link_get(struct vw_table *t, int ifindex, struct vw_link **out,
		      bool *created)
{
	struct vw_link *l = vw_table_link(t, ifindex);

	*created = !l;
	if (!l) {
		if (lb_array_reserve((void **)&t->links, &t->cap_links,
				     t->n_links, sizeof(*t->links), 16))
			return -ENOMEM;
		l = &t->links[t->n_links++];
		memset(l, 0, sizeof(*l));
		l->ifindex = ifindex;
	}
	*out = l;
	return 0;
}

void vw_table_link_del(struct vw_table *t, int ifindex)
{
	size_t i, j;

	for (i = 0, j = 0; i < t->n_addrs; i++)
		if (t->addrs[i].ifindex != ifindex)
			t->addrs[j++] = t->addrs[i];
	t->n_addrs = j;
	for (i = 0; i < t->n_links; i++) {
		if (t->links[i].ifindex == ifindex) {
			t->links[i] = t->links[--t->n_links];
			return;
		}
	}
}

struct vw_ifaddr *vw_table_addr(const struct vw_table *t, int ifindex,
				const struct lb_addr *a)
{
	for (size_t i = 0; i < t->n_addrs; i++)
		if (t->addrs[i].ifindex == ifindex &&
		    !lb_addr_cmp(&t->addrs[i].addr, a))
			return &t->addrs[i];
	return NULL;
}

int vw_table_addr_get(struct vw_table *t, int ifindex, const struct lb_addr *a,
		      struct vw_ifaddr **out, bool *created)
{
	struct vw_ifaddr *e = vw_table_addr(t, ifindex, a);

	*created = !e;
	if (!e) {
		if (lb_array_reserve((void **)&t->addrs, &t->cap_addrs,
				     t->n_addrs, sizeof(*t->addrs), 32))
			return -ENOMEM;
		e = &t->addrs[t->n_addrs++];
		memset(e, 0, sizeof(*e));
		e->ifindex = ifindex;
		e->addr = *a;
	}
	*out = e;
	return 0;
}

void vw_table_addr_del(struct vw_table *t, int ifindex, const struct lb_addr *a)
{
	struct vw_ifaddr *e = vw_table_addr(t, ifindex, a);

	if (e)
		*e = t->addrs[--t->n_addrs];
}

bool vw_table_is_local(const struct vw_table *t, const struct lb_addr *a)
{
	for (size_t i = 0; i < t->n_addrs; i++)
		if (!lb_addr_cmp(&t->addrs[i].addr, a))
			return true;
	return false;
}

void vw_table_mark(struct vw_table *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		t->links[i].stale = true;
	for (size_t i = 0; i < t->n_addrs; i++)
		t->addrs[i].stale = true;
}

void vw_table_sweep(struct vw_table *t)
{
	size_t i, j;

	for (i = 0, j = 0; i < t->n_addrs; i++)
		if (!t->addrs[i].stale)
			t->addrs[j++] = t->addrs[i];
	t->n_addrs = j;
	for (i = 0, j = 0; i < t->n_links; i++)
		if (!t->links[i].stale)
			t->links[j++] = t->links[i];
	t->n_links = j;
}
