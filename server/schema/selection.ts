import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const COUNT_ONLY_FIELDS = new Set(['totalCount', '__typename']);

/**
 * Whether any field of a selection, looking through fragments, passes `test`. A fragment the
 * document does not define fails validation before this runs; it answers `ifUndefined` anyway.
 */
function someField(selectionSet: SelectionSetNode, info: GraphQLResolveInfo, test: (name: string) => boolean, ifUndefined: boolean): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return test(selection.name.value);
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    return fragment ? someField(fragment.selectionSet, info, test, ifUndefined) : ifUndefined;
  });
}

/**
 * Whether a connection field asks for its rows (edges, nodes, pageInfo) and not only its
 * totalCount: `groups { members { totalCount } }` then costs a count and no page of members.
 * A field skipped by a directive still counts as asked for: fetching too much is only slower.
 */
export function selectsRows(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.some((node) => !node.selectionSet || someField(node.selectionSet, info, (name) => !COUNT_ONLY_FIELDS.has(name), true));
}

/**
 * Whether a connection field asks for its totalCount: its first page can then count the list in
 * the same statement. A field skipped by a directive still counts as asked for.
 */
export function selectsTotalCount(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && someField(node.selectionSet, info, (name) => name === 'totalCount', false));
}

/** The selection sets of the fields named `name` in a selection, looking through fragments. */
function subSelections(selectionSet: SelectionSetNode, info: GraphQLResolveInfo, name: string): SelectionSetNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === name && selection.selectionSet ? [selection.selectionSet] : [];
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    return fragment ? subSelections(fragment.selectionSet, info, name) : [];
  });
}

/**
 * Whether a connection field's rows (`edges { node }` or `nodes`) ask for `field`: a page can then
 * bring what that field shows in the statement that reads it.
 */
export function selectsNodeField(info: GraphQLResolveInfo, field: string): boolean {
  const connections = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  const rows = [
    ...connections.flatMap((set) => subSelections(set, info, 'edges')).flatMap((set) => subSelections(set, info, 'node')),
    ...connections.flatMap((set) => subSelections(set, info, 'nodes')),
  ];
  return rows.some((set) => someField(set, info, (name) => name === field, false));
}

/**
 * Whether a field's selection asks for nothing but the fields named in `allowed`, looking through
 * fragments. A field skipped by a directive still counts as asked for: a check that leans on this
 * refuses too much rather than too little.
 */
export function selectsOnly(info: GraphQLResolveInfo, allowed: ReadonlySet<string>): boolean {
  return info.fieldNodes.every((node) => !node.selectionSet || !someField(node.selectionSet, info, (name) => !allowed.has(name), true));
}
