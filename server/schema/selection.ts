import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const COUNT_ONLY_FIELDS = new Set(['totalCount', '__typename']);

function selectsBeyondCount(selectionSet: SelectionSetNode, info: GraphQLResolveInfo): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return !COUNT_ONLY_FIELDS.has(selection.name.value);
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    // A fragment the document does not define fails validation before this runs; be safe anyway.
    return fragment ? selectsBeyondCount(fragment.selectionSet, info) : true;
  });
}

/**
 * Whether a connection field asks for its rows (edges, nodes, pageInfo) and not only its
 * totalCount: `groups { members { totalCount } }` then costs a count and no page of members.
 * A field skipped by a directive still counts as asked for: fetching too much is only slower.
 */
export function selectsRows(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.some((node) => !node.selectionSet || selectsBeyondCount(node.selectionSet, info));
}

function selectsTotal(selectionSet: SelectionSetNode, info: GraphQLResolveInfo): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === 'totalCount';
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    return fragment ? selectsTotal(fragment.selectionSet, info) : false;
  });
}

/**
 * Whether a connection field asks for its totalCount: its first page can then count the list in
 * the same statement. A field skipped by a directive still counts as asked for.
 */
export function selectsTotalCount(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && selectsTotal(node.selectionSet, info));
}
