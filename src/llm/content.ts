/** Reading a message's content, whichever form it takes. Imported by workflow code: pure functions only. */
import type { ChatMessage, ContentPart, ImagePart } from './request';

type Content = ChatMessage['content'];

function partsOf(content: Content): readonly ContentPart[] {
  if (content === undefined || content === null) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** The text of `content`: a string as it is, text parts joined by newlines (images left out). */
export function contentText(content: Content): string {
  if (typeof content === 'string') return content;
  return partsOf(content)
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n');
}

/** The image parts of `content`. */
export function contentImages(content: Content): ImagePart[] {
  return partsOf(content).filter((part): part is ImagePart => part.type === 'image_url');
}
