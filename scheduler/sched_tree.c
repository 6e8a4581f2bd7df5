// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpu scheduler queues: ordered sets of entities in O(log n).
 *
 * A treap (a binary search tree by key that is also a heap by a random
 * priority, so its expected depth is O(log n) whatever the order of
 * insertions) with parent links, so nothing recurses. Each node also keeps
 * the smallest "aug" value of its subtree, which lets the fair policies
 * find the eligible entity with the earliest virtual deadline without a
 * walk over every entity (mdgpu_sched_tree_eevdf()). Keys and aug values
 * are u64 compared across wraparound (virtual times wrap), so every key of
 * one tree must lie within 2^63 of the others.
 *
 * Pure logic over plain data: the scheduler's callers serialise every call
 * (include/mdgpu_sched.h). The kernel's augmented rbtree is not used
 * because its core is not in a header, and the scheduler is also built
 * unchanged in userspace (tools/mdgpu-schedcost).
 */
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/types.h>

#include "sched_internal.h"

/* True if @a is before @b, across wraparound. */
static bool mdgpu_tree_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

/* Is (@aug, @tie) before (@val, @vtie)? Ties in aug go to the smaller tie. */
static bool mdgpu_tree_less(u64 aug, u64 tie, u64 val, u64 vtie)
{
	return mdgpu_tree_before(aug, val) || (aug == val && tie < vtie);
}

static void mdgpu_tree_recalc(struct mdgpu_sched_node *n)
{
	u64 m = n->aug, mt = n->tie;

	if (n->left && mdgpu_tree_less(n->left->min, n->left->min_tie, m, mt)) {
		m = n->left->min;
		mt = n->left->min_tie;
	}
	if (n->right &&
	    mdgpu_tree_less(n->right->min, n->right->min_tie, m, mt)) {
		m = n->right->min;
		mt = n->right->min_tie;
	}
	n->min = m;
	n->min_tie = mt;
}

/* Put @new (may be NULL) where @old was under @parent (NULL: the root). */
static void mdgpu_tree_relink(struct mdgpu_sched_tree *t,
			      struct mdgpu_sched_node *parent,
			      struct mdgpu_sched_node *old,
			      struct mdgpu_sched_node *new)
{
	if (new)
		new->parent = parent;
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/* Rotate @x above its parent, which gets its subtree minimum recomputed. */
static void mdgpu_tree_rotate_up(struct mdgpu_sched_tree *t,
				 struct mdgpu_sched_node *x)
{
	struct mdgpu_sched_node *p = x->parent, *g = p->parent;

	if (p->left == x) {
		p->left = x->right;
		if (x->right)
			x->right->parent = p;
		x->right = p;
	} else {
		p->right = x->left;
		if (x->left)
			x->left->parent = p;
		x->left = p;
	}
	p->parent = x;
	mdgpu_tree_relink(t, g, p, x);
	mdgpu_tree_recalc(p);
}

static void mdgpu_tree_recalc_up(struct mdgpu_sched_node *n)
{
	for (; n; n = n->parent)
		mdgpu_tree_recalc(n);
}

/**
 * mdgpu_sched_tree_init() - an empty tree
 * @t: the tree
 */
void mdgpu_sched_tree_init(struct mdgpu_sched_tree *t)
{
	t->root = NULL;
	t->nr = 0;
	t->seed = 0x9e3779b9;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_init);

/**
 * mdgpu_sched_tree_insert() - add a node
 * @t: the tree
 * @n: the node, in no tree
 * @key: its position; after every node of an equal key
 * @aug: its value for mdgpu_sched_tree_eevdf()
 * @tie: what orders equal @aug values there, smaller first
 */
void mdgpu_sched_tree_insert(struct mdgpu_sched_tree *t,
			     struct mdgpu_sched_node *n, u64 key, u64 aug,
			     u64 tie)
{
	struct mdgpu_sched_node *parent = NULL, **link = &t->root;

	/* xorshift32: a fixed sequence, so runs are reproducible. */
	t->seed ^= t->seed << 13;
	t->seed ^= t->seed >> 17;
	t->seed ^= t->seed << 5;
	n->prio = t->seed;
	n->key = key;
	n->aug = aug;
	n->min = aug;
	n->tie = tie;
	n->min_tie = tie;
	n->left = NULL;
	n->right = NULL;
	while (*link) {
		parent = *link;
		link = mdgpu_tree_before(key, parent->key) ? &parent->left :
							     &parent->right;
	}
	n->parent = parent;
	*link = n;
	while (n->parent && n->prio > n->parent->prio)
		mdgpu_tree_rotate_up(t, n);
	mdgpu_tree_recalc_up(n);
	t->nr++;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_insert);

/**
 * mdgpu_sched_tree_erase() - remove a node
 * @t: the tree
 * @n: a node of @t
 */
void mdgpu_sched_tree_erase(struct mdgpu_sched_tree *t,
			    struct mdgpu_sched_node *n)
{
	struct mdgpu_sched_node *child, *p;

	/* Down to at most one child, keeping the heap order. */
	while (n->left && n->right)
		mdgpu_tree_rotate_up(t, n->left->prio > n->right->prio ?
					n->left : n->right);
	child = n->left ?: n->right;
	p = n->parent;
	mdgpu_tree_relink(t, p, n, child);
	mdgpu_tree_recalc_up(p);
	n->parent = NULL;
	n->left = NULL;
	n->right = NULL;
	t->nr--;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_erase);

/**
 * mdgpu_sched_tree_first() - the node of the smallest key
 * @t: the tree
 *
 * Return: it (the first inserted of equal keys), or NULL if @t is empty.
 */
struct mdgpu_sched_node *mdgpu_sched_tree_first(const struct mdgpu_sched_tree *t)
{
	struct mdgpu_sched_node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_first);

/**
 * mdgpu_sched_tree_after() - the first node of a key after @key
 * @t: the tree
 * @key: the key
 *
 * Return: the node of the smallest key strictly after @key, or NULL.
 */
struct mdgpu_sched_node *mdgpu_sched_tree_after(const struct mdgpu_sched_tree *t,
						u64 key)
{
	struct mdgpu_sched_node *n = t->root, *best = NULL;

	while (n) {
		if (mdgpu_tree_before(key, n->key)) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_after);

/**
 * mdgpu_sched_tree_eevdf() - the smallest aug among keys up to a limit
 * @t: the tree
 * @limit: the largest key considered
 *
 * Of the nodes whose key is at or before @limit, the one with the smallest
 * aug value; of equal ones, the one with the smallest tie, then the one of
 * the smallest key (the first inserted of equal keys). O(depth).
 *
 * Return: the node, or NULL if no key is at or before @limit.
 */
struct mdgpu_sched_node *mdgpu_sched_tree_eevdf(const struct mdgpu_sched_tree *t,
						u64 limit)
{
	struct mdgpu_sched_node *n = t->root, *best = NULL, *sub = NULL;
	u64 val = 0, vtie = 0;

	/*
	 * Walk down to the limit: a node at or before it brings itself and
	 * its whole left subtree in, in key order, before its right subtree.
	 * Only strictly smaller values replace the best so far.
	 */
	while (n) {
		if (mdgpu_tree_before(limit, n->key)) {
			n = n->left;
			continue;
		}
		if (n->left && (!(best || sub) ||
				mdgpu_tree_less(n->left->min, n->left->min_tie,
						val, vtie))) {
			sub = n->left;
			best = NULL;
			val = sub->min;
			vtie = sub->min_tie;
		}
		if (!(best || sub) || mdgpu_tree_less(n->aug, n->tie, val, vtie)) {
			best = n;
			sub = NULL;
			val = n->aug;
			vtie = n->tie;
		}
		n = n->right;
	}
	if (best || !sub)
		return best;
	/* The first node of @sub whose aug is the subtree's minimum. */
	n = sub;
	for (;;) {
		if (n->left && n->left->min == val && n->left->min_tie == vtie) {
			n = n->left;
			continue;
		}
		if (n->aug == val && n->tie == vtie)
			return n;
		n = n->right;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mdgpu_sched_tree_eevdf);
