export { comment } from "./comment.ts";
export { discussion } from "./discussion.ts";
export { DOCUMENT_STATUSES, type DocumentStatus, document } from "./document.ts";
export { documentFile } from "./documentFile.ts";
export { documentVersion } from "./documentVersion.ts";
