/**
 * The photos of a task (cut-lock inventory): thumbnails of what was uploaded, and a file
 * picker that uploads a picture straight from the phone's camera.
 */
import { Button, FileButton, Group, Image, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiUrl, errorMessage, seg, uploadFile } from '../api';

interface Photo {
  sha256: string;
  contentType: string;
  byteSize: number;
  at: string;
}

export function TaskPhotos({
  taskKey,
  title,
  canUpload,
}: {
  taskKey: string;
  title: string;
  canUpload: boolean;
}) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const photos = useQuery({
    queryKey: ['task-photos', taskKey],
    queryFn: async () => (await api.get<{ items: Photo[] }>(`/tasks/${seg(taskKey)}/photos`)).items,
  });
  const upload = useMutation({
    mutationFn: (file: File) => uploadFile<Photo>(`/tasks/${seg(taskKey)}/photos`, file),
    onSuccess: async () => {
      setError(null);
      await qc.invalidateQueries({ queryKey: ['task-photos', taskKey] });
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const items = photos.data ?? [];
  return (
    <Group gap="xs" mt={4} data-testid={`task-photos-${taskKey}`}>
      {items.map((p, i) => (
        <a
          key={p.sha256}
          href={apiUrl(`/tasks/${seg(taskKey)}/photos/${p.sha256}`)}
          target="_blank"
          rel="noreferrer"
        >
          <Image
            src={apiUrl(`/tasks/${seg(taskKey)}/photos/${p.sha256}`)}
            alt={`Photo ${i + 1} of ${title}, taken ${p.at.slice(0, 10)}`}
            w={48}
            h={48}
            radius="sm"
            fit="cover"
          />
        </a>
      ))}
      {canUpload && (
        <FileButton
          onChange={(f) => f && upload.mutate(f)}
          accept="image/jpeg,image/png,image/webp,image/heic"
        >
          {(props) => (
            <Button
              {...props}
              size="compact-xs"
              variant="light"
              loading={upload.isPending}
              aria-label={`Add a photo to ${title}`}
            >
              Add photo
            </Button>
          )}
        </FileButton>
      )}
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </Group>
  );
}
