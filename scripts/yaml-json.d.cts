export function yamlToJson(text: string, file: string): string;
